// The Node side of bench/append: the same cases as bench_append (append.cpp),
// run on the pinned reference (tests/interop/package.json, hypercore 11.37.1)
// with the same block contents, printed as JSON lines on stdout.
//
// Usage: node bench/append/append.js '<plan JSON>'   (bench/append/run makes the plan)
// The plan: { "tmp": "<parent dir for data dirs>", "cases": [ { "kind": "append",
//   "size": 1024, "count": 20000, "batch": 1 } | { "kind": "read", "size": 1024,
//   "count": 20000 } ] }. Each case gets a fresh data directory under tmp, removed
// when the case ends.
'use strict'

const fs = require('fs')
const path = require('path')

// The reference, always the one pinned in the repository (never a global one).
const INTEROP = path.join(__dirname, '..', '..', 'tests', 'interop', 'node_modules')
const Hypercore = require(path.join(INTEROP, 'hypercore'))

// Block contents, identical to blocks.hpp: a pool of distinct pseudo-random
// (incompressible) blocks per size; block i is pool[i % pool.length].
const POOL_BYTES = 4 * 1024 * 1024
const MAX_POOL = 1024

function makeBlock(size, k) {
  const b = Buffer.alloc(size)
  let x = (Math.imul(k + 1, 0x9e3779b1) ^ size) >>> 0
  if (x === 0) x = 1
  for (let j = 0; j + 4 <= size; j += 4) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    b.writeUInt32LE(x, j)
  }
  return b
}

function makePool(size) {
  const n = Math.max(1, Math.min(MAX_POOL, Math.floor(POOL_BYTES / size)))
  const pool = new Array(n)
  for (let k = 0; k < n; k++) pool[k] = makeBlock(size, k)
  return pool
}

function now() {
  return process.hrtime.bigint()
}

function seconds(t0, t1) {
  return Number(t1 - t0) / 1e9
}

// Apparent bytes of every regular file under dir.
function dirBytes(dir) {
  let total = 0
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) total += dirBytes(p)
    else if (e.isFile()) total += fs.statSync(p).size
  }
  return total
}

async function appendAll(core, pool, count, batch) {
  if (batch === 1) {
    for (let i = 0; i < count; i++) await core.append(pool[i % pool.length])
    return
  }
  for (let i = 0; i < count; i += batch) {
    const n = Math.min(batch, count - i)
    const bufs = new Array(n)
    for (let k = 0; k < n; k++) bufs[k] = pool[(i + k) % pool.length]
    await core.append(bufs)
  }
}

// CPU seconds of this process (all threads: JS, libuv pool, RocksDB), user + system.
function cpuSeconds() {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}

function rate(result, size, count, secs, cpu) {
  result.count = count
  result.seconds = secs
  result.cpu_seconds = cpu
  result.blocks_per_s = count / secs
  result.mb_per_s = (count * size) / secs / 1e6
  return result
}

// Appends `count` blocks `batch` at a time to a new core, each call awaited
// (acknowledged) before the next; then closes it and measures the directory.
async function runAppend(tmp, c) {
  const pool = makePool(c.size)
  const dir = fs.mkdtempSync(path.join(tmp, 'node-'))
  try {
    const core = new Hypercore(dir)
    await core.ready()
    const cpu0 = cpuSeconds()
    const t0 = now()
    await appendAll(core, pool, c.count, c.batch)
    const t1 = now()
    const cpu1 = cpuSeconds()
    if (core.length !== c.count) throw new Error(`length ${core.length} != ${c.count}`)
    const treeHash = (await core.treeHash()).toString('hex')
    await core.close()
    const info = { side: 'node', kind: 'append', size: c.size, batch: c.batch }
    const result = rate(info, c.size, c.count, seconds(t0, t1), cpu1 - cpu0)
    result.tree_hash = treeHash
    result.disk_bytes = dirBytes(dir)
    result.raw_bytes = c.count * c.size
    return result
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

// Writes `count` blocks in batches of 100 (untimed), closes, reopens from disk
// and reads every block in order, one awaited get() at a time.
async function runRead(tmp, c) {
  const pool = makePool(c.size)
  const dir = fs.mkdtempSync(path.join(tmp, 'node-'))
  try {
    const writer = new Hypercore(dir)
    await writer.ready()
    await appendAll(writer, pool, c.count, 100)
    await writer.close()

    const t0 = now()
    const core = new Hypercore(dir)
    await core.ready()
    const t1 = now()
    if (core.length !== c.count) throw new Error(`reopened length ${core.length} != ${c.count}`)
    let bytes = 0
    const cpu1 = cpuSeconds()
    for (let i = 0; i < c.count; i++) {
      const b = await core.get(i)
      bytes += b.byteLength
    }
    const t2 = now()
    const cpu2 = cpuSeconds()
    if (bytes !== c.count * c.size) throw new Error(`read ${bytes} bytes, expected ${c.count * c.size}`)
    for (const i of [0, c.count >> 1, c.count - 1]) {
      if (!(await core.get(i)).equals(pool[i % pool.length])) throw new Error(`block ${i} differs`)
    }
    await core.close()
    const info = { side: 'node', kind: 'read', size: c.size, batch: 1 }
    const result = rate(info, c.size, c.count, seconds(t1, t2), cpu2 - cpu1)
    result.open_seconds = seconds(t0, t1)
    return result
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

async function main() {
  const plan = JSON.parse(process.argv[2] || '{}')
  if (!plan.tmp || !Array.isArray(plan.cases)) {
    console.error("usage: node append.js '{\"tmp\": DIR, \"cases\": [...]}'")
    process.exitCode = 2
    return
  }
  for (const c of plan.cases) {
    const r = c.kind === 'read' ? await runRead(plan.tmp, c) : await runAppend(plan.tmp, c)
    process.stdout.write(JSON.stringify(r) + '\n')
  }
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : String(err))
  process.exitCode = 1
})
