/**
 * MariaDB and Redis over TLS as the URLs configure them, against private servers that require it: a
 * mariadbd with require_secure_transport, and a redis-server that speaks TLS only with an ACL user. The
 * sinks' own paths (setup db, a pool, the leaderboard's Redis client) connect encrypted; a missing CA and a
 * wrong password are clear errors, without the password.
 */
import {readFileSync} from 'node:fs'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {SstreamError} from '../../../src/core/errors.js'
import {checkMaria, createMariaPool, setupDb} from '../../../src/core/mariadb/index.js'
import {checkRedis, connectRedis, createRedis} from '../../../src/core/redis/index.js'
import {createTlsFiles, type TlsFiles} from '../../../src/core/stack/security.js'
import {testConfig} from '../../helpers/services.js'
import {startTlsMariaDb, type TlsMariaDb} from './tls-mariadb.js'
import {startTlsRedis, type TlsRedis} from './tls-redis.js'

let dir: string
let tls: TlsFiles
let maria: TlsMariaDb
let redis: TlsRedis

async function failure(step: () => Promise<unknown>): Promise<SstreamError> {
  try {
    await step()
  } catch (error) {
    expect(error).toBeInstanceOf(SstreamError)
    return error as SstreamError
  }
  throw new Error('the step succeeded')
}

describe('MariaDB and Redis over TLS', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sstream-tls-'))
    tls = await createTlsFiles(join(dir, 'tls'))
    ;[maria, redis] = await Promise.all([
      startTlsMariaDb({caFile: tls.caFile, certFile: tls.serverCertFile, keyFile: tls.serverKeyFile}),
      startTlsRedis({caFile: tls.caFile, certFile: tls.serverCertFile, keyFile: tls.serverKeyFile, caPem: readFileSync(tls.caFile, 'utf8')}),
    ])
  })

  afterAll(async () => {
    await maria?.stop()
    await redis?.stop()
    if (dir) rmSync(dir, {recursive: true, force: true})
  })

  it('setup db and a pool reach a MariaDB that requires TLS, through ?ssl-ca, encrypted', async () => {
    const admin = `mariadb://root@127.0.0.1:${maria.port}?ssl-ca=${encodeURIComponent(tls.caFile)}`
    const app = `mariadb://streaming:app-secret@127.0.0.1:${maria.port}/streaming?ssl-ca=${encodeURIComponent(tls.caFile)}`
    const result = await setupDb({url: app, adminUrl: admin})
    expect(result.tables).toContain('order_summary')
    const pool = createMariaPool(app, {connectionLimit: 1})
    try {
      const [row] = (await pool.query("SHOW SESSION STATUS LIKE 'Ssl_cipher'")) as Array<{Value: string}>
      expect(row.Value).not.toBe('')
    } finally {
      await pool.end()
    }
  })

  it('MariaDB: without TLS the server refuses, and with TLS but no CA the certificate is not trusted', async () => {
    const plain = await failure(() => checkMaria(`mariadb://root@127.0.0.1:${maria.port}`))
    expect(plain.message).toContain(`127.0.0.1:${maria.port}`)
    const untrusted = await failure(() => checkMaria(`mariadb://root@127.0.0.1:${maria.port}?ssl=true`))
    expect(untrusted.message).toMatch(/not trusted/)
    expect(untrusted.nextSteps.join(' ')).toContain('ssl-ca')
  })

  it('Redis: rediss:// with the ACL user works, a wrong password or no CA is a clear error without the password', async () => {
    expect((await checkRedis(redis.url)).version).toMatch(/^\d/)
    const client = createRedis(redis.url)
    try {
      await connectRedis(client, redis.url)
      expect(await client.acl('WHOAMI')).toBe(redis.user)
    } finally {
      client.disconnect()
    }
    const wrongUrl = redis.url.replace(redis.password, 'not-the-password')
    const wrong = await failure(() => checkRedis(wrongUrl))
    expect(wrong.message).toMatch(/refuses the login/)
    expect(JSON.stringify(wrong)).not.toContain('not-the-password')
    const noCa = await failure(() => checkRedis(redis.url.replace(/\?tls-ca=.*$/, '')))
    expect(noCa.message).toMatch(/does not trust/)
    expect(JSON.stringify(noCa)).not.toContain(redis.password)
  })

  it('Redis: redis:// to its TLS-only port says it expects TLS, rediss:// to a plaintext port says it does not speak TLS (not "can\'t reach")', async () => {
    const plainToTls = await failure(() => checkRedis(redis.url.replace(/^rediss:/, 'redis:').replace(/\?tls-ca=.*$/, '')))
    expect(plainToTls.code, plainToTls.message).toBe('REDIS_ERROR')
    expect(plainToTls.message).toBe(`Redis at localhost:${redis.port} expects TLS on this port, and the URL is redis://.`)
    expect(plainToTls.nextSteps.join(' ')).toContain('rediss://')
    expect(JSON.stringify(plainToTls)).not.toContain(redis.password)
    // The shared Redis speaks plaintext: one TLS handshake that it does not understand, nothing else.
    const shared = new URL(testConfig.redisUrl)
    const [host, port] = [shared.hostname, shared.port || '6379']
    const tlsToPlain = await failure(() => checkRedis(`rediss://${host}:${port}`))
    expect(tlsToPlain.code, tlsToPlain.message).toBe('REDIS_ERROR')
    expect(tlsToPlain.message).toBe(`Redis at ${host}:${port} does not speak TLS on this port, and the URL is rediss://.`)
  })
})
