import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {clusterLayout, clusterNodeProperties} from '../../../src/core/stack/kafka-cluster.js'

function props(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .filter((line) => line && !line.startsWith('#'))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  )
}

describe('the local three-node cluster', () => {
  const home = join('/', 'home', 'u', '.cache', 'sstream')
  const layout = clusterLayout(home, {host: 'localhost', port: 9092}, 3)

  it('gives each node its own client and controller ports, 100 apart from the first node', () => {
    expect(layout.nodes.map((n) => [n.id, n.port, n.controllerPort])).toEqual([
      [1, 9092, 9093],
      [2, 9192, 9193],
      [3, 9292, 9293],
    ])
    expect(layout.brokers).toEqual(['localhost:9092', 'localhost:9192', 'localhost:9292'])
    const ports = layout.nodes.flatMap((n) => [n.port, n.controllerPort])
    expect(new Set(ports).size).toBe(6)
  })

  it('gives each node its own directory, data, config, log and pid file under the stack home', () => {
    expect(layout.nodes.map((n) => n.dir)).toEqual([1, 2, 3].map((id) => join(home, 'cluster', `node-${id}`)))
    for (const node of layout.nodes) {
      expect(node.dataDir).toBe(join(node.dir, 'data'))
      expect(node.configFile).toBe(join(node.dir, 'server.properties'))
      expect(node.logFile).toBe(join(node.dir, 'kafka.log'))
      expect(node.pidFile).toBe(join(node.dir, 'kafka.pid'))
    }
    // Never the single node's files: both can be kept side by side.
    expect(layout.nodes.map((n) => n.dataDir)).not.toContain(join(home, 'kafka-data'))
  })

  it('makes the three a static controller quorum, each broker and controller', () => {
    expect(layout.voters).toBe('1@localhost:9093,2@localhost:9193,3@localhost:9293')
    const configs = layout.nodes.map((n) => props(clusterNodeProperties(n, layout.voters, 3)))
    for (const [i, config] of configs.entries()) {
      const node = layout.nodes[i]
      expect(config['process.roles']).toBe('broker,controller')
      expect(config['node.id']).toBe(String(node.id))
      expect(config['controller.quorum.voters']).toBe(layout.voters)
      expect(config.listeners).toBe(`PLAINTEXT://localhost:${node.port},CONTROLLER://localhost:${node.controllerPort}`)
      expect(config['advertised.listeners']).toBe(`PLAINTEXT://localhost:${node.port}`)
      expect(config['log.dirs']).toBe(node.dataDir)
    }
  })

  it('replicates every topic three times, the internal ones too, with min.insync.replicas=2', () => {
    const config = props(clusterNodeProperties(layout.nodes[0], layout.voters, 3))
    expect(config['default.replication.factor']).toBe('3')
    expect(config['min.insync.replicas']).toBe('2')
    expect(config['offsets.topic.replication.factor']).toBe('3')
    expect(config['transaction.state.log.replication.factor']).toBe('3')
    expect(config['transaction.state.log.min.isr']).toBe('2')
    expect(config['unclean.leader.election.enable']).toBe('false')
    expect(config['auto.create.topics.enable']).toBe('false')
  })

  it('follows the port of --brokers, and refuses fewer than three nodes', () => {
    expect(clusterLayout(home, {host: '127.0.0.1', port: 19092}, 3).brokers).toEqual(['127.0.0.1:19092', '127.0.0.1:19192', '127.0.0.1:19292'])
    expect(() => clusterLayout(home, {host: 'localhost', port: 9092}, 2)).toThrow(/3 nodes or more/)
  })
})
