// The Node side of bench/many-cores: a Corestore (tests/interop, corestore
// 7.12.5 / hypercore 11.37.1) holding the same named cores as the daemon, with
// the same blocks. Prints one JSON line on stdout.
//
// Usage: node --expose-gc bench/many-cores/corestore.js '<plan JSON>'   (bench/many-cores/run
// makes the plan). Plans:
//   { "mode": "create", "dir", "cores", "blocks", "primaryKey"?: hex32 }
//       a new Corestore in dir; for each i, store.get({ name: 'c' + i }), ready,
//       append the blocks in one call; then close. Reports the time and the z-base32
//       keys (with the daemon's primary key they must equal the daemon's keys).
//   { "mode": "empty", "dir" }
//       opens an empty Corestore in dir (the baseline): RSS.
//   { "mode": "open", "dir", "cores", "blocks" }
//       opens the Corestore made by "create" (store.ready(), no cores), then every
//       core (get + ready, all at once), checks each length: times and RSS.
// Times from exec are performance.now() (ms since this process started); RSS is
// process.memoryUsage().rss after a full gc().
'use strict'

const path = require('path')
const { performance } = require('perf_hooks')

const INTEROP = path.join(__dirname, '..', '..', 'tests', 'interop', 'node_modules')
const Corestore = require(path.join(INTEROP, 'corestore'))
const z32 = require(path.join(INTEROP, 'z32'))
const { block } = require('./blocks.js')

const CREATE_WINDOW = 64 // cores being created at once

function rss() {
  if (global.gc) {
    global.gc()
    global.gc()
  }
  return process.memoryUsage().rss
}

function cpuSeconds() {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}

async function create(plan) {
  const opts = plan.primaryKey ? { primaryKey: Buffer.from(plan.primaryKey, 'hex'), unsafe: true } : {}
  const store = new Corestore(plan.dir, opts)
  await store.ready()
  const keys = new Array(plan.cores)
  const t0 = performance.now()
  const cpu0 = cpuSeconds()
  let next = 0
  async function worker() {
    while (next < plan.cores) {
      const i = next++
      const core = store.get({ name: 'c' + i })
      await core.ready()
      const bufs = []
      for (let j = 0; j < plan.blocks; j++) bufs.push(Buffer.from(block(i, j)))
      await core.append(bufs)
      if (core.length !== plan.blocks) throw new Error(`c${i}: length ${core.length}`)
      keys[i] = z32.encode(core.key)
      await core.close()
    }
  }
  await Promise.all(Array.from({ length: CREATE_WINDOW }, worker))
  const t1 = performance.now()
  const cpu1 = cpuSeconds()
  await store.close()
  const t2 = performance.now()
  return {
    side: 'node',
    mode: 'create',
    cores: plan.cores,
    blocks: plan.blocks,
    seconds: (t1 - t0) / 1e3,
    close_seconds: (t2 - t1) / 1e3,
    cpu_seconds: cpu1 - cpu0,
    keys
  }
}

async function empty(plan) {
  const t0 = performance.now()
  const store = new Corestore(plan.dir)
  await store.ready()
  const t1 = performance.now()
  const result = { side: 'node', mode: 'empty', store_ms: t1 - t0, ready_from_exec_ms: t1, rss: rss() }
  await store.close()
  return result
}

async function open(plan) {
  const t0 = performance.now()
  const store = new Corestore(plan.dir)
  await store.ready()
  const t1 = performance.now()
  const rssStore = rss()
  const t2 = performance.now()
  const cpu0 = cpuSeconds()
  const cores = new Array(plan.cores)
  for (let i = 0; i < plan.cores; i++) cores[i] = store.get({ name: 'c' + i })
  await Promise.all(cores.map((c) => c.ready()))
  const t3 = performance.now()
  const cpu1 = cpuSeconds()
  let bad = 0
  for (const c of cores) if (c.length !== plan.blocks) bad++
  if (bad) throw new Error(`${bad} cores do not have ${plan.blocks} blocks`)
  const rssAll = rss()
  await store.close()
  return {
    side: 'node',
    mode: 'open',
    cores: plan.cores,
    store_ms: t1 - t0, // new Corestore(dir) + ready(), in process
    store_from_exec_ms: t1, // exec -> store ready (node start-up and require included)
    cores_ms: t3 - t2, // get + ready of every core
    cores_cpu_seconds: cpu1 - cpu0,
    all_from_exec_ms: t3 - (t2 - t1), // exec -> every core ready, without the RSS probe
    rss_store: rssStore,
    rss_all: rssAll
  }
}

async function main() {
  const plan = JSON.parse(process.argv[2] || '{}')
  const modes = { create, empty, open }
  if (!modes[plan.mode] || !plan.dir) {
    console.error('usage: node --expose-gc corestore.js \'{"mode": "create"|"empty"|"open", "dir": DIR, ...}\'')
    process.exitCode = 2
    return
  }
  const r = await modes[plan.mode](plan)
  process.stdout.write(JSON.stringify(r) + '\n')
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : String(err))
  process.exitCode = 1
})
