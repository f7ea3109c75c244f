import {Flags} from '@oclif/core'

/** Flags shared by `setup db` and `setup all`. */
export const adminUrlFlag = Flags.string({
  description: 'MariaDB administrator URL, used to create the database and the application user',
  env: 'SSTREAM_MARIADB_ADMIN_URL',
  default: 'mariadb://root@127.0.0.1:3306',
})

export const topicFlags = {
  partitions: Flags.integer({description: 'Partitions per topic', default: 3, min: 1}),
  'replication-factor': Flags.integer({description: 'Replicas per partition', default: 1, min: 1}),
}

export const resetFlag = Flags.boolean({description: 'Clear the leaderboards and the offsets sstream stores next to them', default: false})
