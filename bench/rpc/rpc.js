// The Node side of bench/rpc: the same work as hypercored + corectl /
// bench_rpc_latency, done in one process on the pinned reference
// (tests/interop/package.json, hypercore 11.37.1), printed as one JSON line.
//
// Usage: node bench/rpc/rpc.js '<plan JSON>'   (bench/rpc/run makes the plan)
//   { "tmp": DIR, "kind": "throughput", "lines": 1000000, "batch": 100 }
//     The text "1\n2\n…<lines>\n" (what `seq 1 <lines>` prints) is made
//     untimed; timed: splitting it into lines and appending each line (without
//     its newline) as a block, `batch` blocks per awaited core.append().
//   { "tmp": DIR, "kind": "latency", "count": 2000, "warmup": 50, "interval_us": 5000 }
//     One core.append(block) every interval (absolute schedule, each append
//     awaited before the next), blocks "1", "2", …; per block the time from
//     the append call to the 'append' event of the writing session, of a
//     second session on the same core (core.session()), and to the append's
//     promise resolving (ack). process.hrtime (monotonic).
// Each run uses a fresh `new Hypercore(dir)` under tmp, removed at the end.
'use strict'

const fs = require('fs')
const path = require('path')

const INTEROP = path.join(__dirname, '..', '..', 'tests', 'interop', 'node_modules')
const Hypercore = require(path.join(INTEROP, 'hypercore'))

const now = () => process.hrtime.bigint()
const usBetween = (a, b) => Number(b - a) / 1e3

function cpuSeconds() {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}

async function withCore(tmp, fn) {
  const dir = fs.mkdtempSync(path.join(tmp, 'node-'))
  const core = new Hypercore(dir)
  try {
    await core.ready()
    return await fn(core)
  } finally {
    await core.close()
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

async function throughput(plan) {
  const lines = plan.lines
  const batch = plan.batch
  // What `seq 1 N` writes to the pipe (untimed, as seq runs beside corectl).
  const parts = new Array(lines)
  for (let i = 0; i < lines; i++) parts[i] = String(i + 1)
  const input = Buffer.from(parts.join('\n') + '\n')

  return withCore(plan.tmp, async (core) => {
    const cpu0 = cpuSeconds()
    const t0 = now()
    const text = input.toString('utf8')
    let start = 0
    let bufs = []
    for (;;) {
      const nl = text.indexOf('\n', start)
      if (nl < 0) break
      bufs.push(Buffer.from(text.slice(start, nl)))
      start = nl + 1
      if (bufs.length === batch) {
        await core.append(bufs)
        bufs = []
      }
    }
    if (bufs.length) await core.append(bufs)
    const t1 = now()
    const cpu1 = cpuSeconds()
    if (core.length !== lines) throw new Error(`length ${core.length} != ${lines}`)
    const last = (await core.get(lines - 1)).toString()
    if (last !== String(lines)) throw new Error(`last block ${last} != ${lines}`)
    const seconds = Number(t1 - t0) / 1e9
    return {
      side: 'node',
      kind: 'throughput',
      lines,
      batch,
      seconds,
      lines_per_s: lines / seconds,
      cpu_seconds: cpu1 - cpu0
    }
  })
}

function sleepUntil(t) {
  const ms = Number(t - now()) / 1e6
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve()
}

function percentile(sorted, p) {
  const n = sorted.length
  const rank = Math.min(n, Math.max(1, Math.ceil(p * n)))
  return sorted[rank - 1]
}

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b)
  return {
    p50_us: percentile(s, 0.5),
    p90_us: percentile(s, 0.9),
    p99_us: percentile(s, 0.99),
    max_us: s[s.length - 1],
    mean_us: s.reduce((a, b) => a + b, 0) / s.length
  }
}

async function latency(plan) {
  const total = plan.warmup + plan.count
  const intervalNs = BigInt(plan.interval_us) * 1000n
  const sent = new Array(total)
  const acked = new Array(total)
  const writerEvent = new Array(total)
  const readerEvent = new Array(total)

  return withCore(plan.tmp, async (core) => {
    const reader = core.session()
    await reader.ready()
    // 'append' carries no index: the new length tells which block arrived.
    core.on('append', () => {
      writerEvent[core.length - 1] = now()
    })
    reader.on('append', () => {
      readerEvent[reader.length - 1] = now()
    })
    let late = 0
    const t0 = now() + intervalNs
    for (let i = 0; i < total; i++) {
      const slot = t0 + BigInt(i) * intervalNs
      await sleepUntil(slot)
      sent[i] = now()
      await core.append(Buffer.from(String(i + 1)))
      acked[i] = now()
      if (sent[i] - slot > intervalNs) late++
    }
    if (core.length !== total) throw new Error(`length ${core.length} != ${total}`)
    const writer = []
    const second = []
    const ack = []
    for (let i = plan.warmup; i < total; i++) {
      if (writerEvent[i] === undefined || readerEvent[i] === undefined) throw new Error(`no 'append' event for block ${i}`)
      writer.push(usBetween(sent[i], writerEvent[i]))
      second.push(usBetween(sent[i], readerEvent[i]))
      ack.push(usBetween(sent[i], acked[i]))
    }
    await reader.close()
    return {
      side: 'node',
      kind: 'latency',
      count: plan.count,
      warmup: plan.warmup,
      interval_us: plan.interval_us,
      seconds: Number(sent[total - 1] - sent[plan.warmup]) / 1e9,
      late_sends: late,
      follow: stats(second), // the second session: the "follower" of the core
      writer_event: stats(writer),
      ack: stats(ack)
    }
  })
}

async function main() {
  const plan = JSON.parse(process.argv[2] || '{}')
  if (!plan.tmp || !['throughput', 'latency'].includes(plan.kind)) {
    console.error('usage: node rpc.js \'{"tmp": DIR, "kind": "throughput"|"latency", ...}\'')
    process.exitCode = 2
    return
  }
  const r = plan.kind === 'throughput' ? await throughput(plan) : await latency(plan)
  process.stdout.write(JSON.stringify(r) + '\n')
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : String(err))
  process.exitCode = 1
})
