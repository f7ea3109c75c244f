import {Flags} from '@oclif/core'

/** Flags shared by `setup db` and `setup all`. */
export const adminUrlFlag = Flags.string({
  description:
    'MariaDB administrator URL, used to create the database and the application user [default: root without a password on the server of the MariaDB URL, with its ?ssl settings]',
  env: 'SSTREAM_MARIADB_ADMIN_URL',
})

export const topicFlags = {
  partitions: Flags.integer({description: 'Partitions per topic', default: 3, min: 1}),
  'replication-factor': Flags.integer({description: 'Replicas per partition', default: 1, min: 1}),
}

export const resetFlag = Flags.boolean({description: 'Clear the leaderboards and the offsets sstream stores next to them', default: false})
