// The Node side of bench/replicate: one pinned hypercore (tests/interop,
// hypercore 11.37.1) per process, replicating over TCP on 127.0.0.1 the way
// tests/interop/replicate_peer.js does (net socket piped into
// core.replicate(), TCP_NODELAY set). bench/replicate/run starts it with a
// plan (JSON) as its one argument; every stdout line is one JSON object.
//
//   {"role":"fill","dir","count","size"}
//       Creates a core in dir holding blocks.block(0..count-1, size), appended
//       in batches of 100; prints {key, length}. Untimed preparation.
//   {"role":"serve","dir","hello"?}
//       Opens (or creates) the core in dir, appends one live block 0 if
//       `hello` and the core is empty, serves replication to whoever connects
//       (responder) on an ephemeral port; prints {port, key, length}. A stdin
//       line {"cmd":"live","count","interval_us","size"} appends `count` live
//       blocks, one every interval (absolute schedule, each append awaited),
//       and prints {appended, late_sends}. Exits when stdin closes.
//   {"role":"download","dir","key","port","count","samples"}
//       Opens the key in an empty dir, connects (initiator) and downloads
//       blocks 0..count-1 (core.download().done()); seconds from connect to
//       done; then prints {seconds, cpu_seconds, length, contiguous_length,
//       samples: {index: sha256 hex}}.
//   {"role":"follow","dir","key","port","total","size"}
//       Live reader: connects, gets block 0 and prints {ready: true}; then on
//       each 'append' event get()s the new blocks in order and records when
//       each get() resolved; after block total-1 prints {latencies_us: [...]}
//       (index 1..total-1: arrival − the send time written in the block) and
//       {append_event_us: [...]} (the 'append' event that revealed a block −
//       its send time; blocks that came before any event are left out).
// Every plan may carry deadline_ms: the process exits with an error after it.
'use strict'

const net = require('net')
const path = require('path')
const readline = require('readline')

const Hypercore = require(path.join(__dirname, '..', '..', 'tests', 'interop', 'node_modules', 'hypercore'))
const blocks = require('./blocks')

const now = () => process.hrtime.bigint() // CLOCK_MONOTONIC, as in blocks.js
const print = (o) => process.stdout.write(JSON.stringify(o) + '\n')

function cpuSeconds() {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}

function sleepUntil(t) {
  const ms = Number(t - now()) / 1e6
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve()
}

async function fill(plan) {
  const core = new Hypercore(plan.dir)
  await core.ready()
  for (let i = core.length; i < plan.count; ) {
    const batch = []
    for (let k = 0; k < 100 && i < plan.count; k++, i++) batch.push(blocks.block(i, plan.size))
    await core.append(batch)
  }
  print({ key: core.key.toString('hex'), length: core.length })
  await core.close()
}

function replicateOn(socket, core, initiator) {
  socket.setNoDelay(true)
  const stream = core.replicate(initiator)
  socket.pipe(stream).pipe(socket)
  stream.on('error', (err) => process.stderr.write(`node_peer: replication stream: ${err.message}\n`))
  socket.on('error', () => {}) // the stream reports it
  return stream
}

async function serve(plan) {
  const core = new Hypercore(plan.dir)
  await core.ready()
  if (plan.hello && core.length === 0) await core.append(blocks.liveBlock(0, now(), plan.size || 100))
  const server = net.createServer((socket) => replicateOn(socket, core, false))
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  print({ port: server.address().port, key: core.key.toString('hex'), length: core.length })

  for await (const line of readline.createInterface({ input: process.stdin })) {
    const cmd = JSON.parse(line)
    if (cmd.cmd !== 'live') throw new Error(`unknown command ${line}`)
    const interval = BigInt(cmd.interval_us) * 1000n
    const t0 = now() + interval
    let late = 0
    for (let k = 0; k < cmd.count; k++) {
      const slot = t0 + BigInt(k) * interval
      await sleepUntil(slot)
      const sent = now()
      await core.append(blocks.liveBlock(core.length, sent, cmd.size))
      if (sent - slot > interval) late++
    }
    print({ appended: cmd.count, late_sends: late, length: core.length })
  }
  server.close()
  await core.close()
}

async function download(plan) {
  const core = new Hypercore(plan.dir, Buffer.from(plan.key, 'hex'))
  await core.ready()
  const cpu0 = cpuSeconds()
  const t0 = now()
  const socket = net.connect(plan.port, '127.0.0.1')
  replicateOn(socket, core, true)
  await core.download({ start: 0, end: plan.count }).done()
  const t1 = now()
  const cpu1 = cpuSeconds()
  const samples = {}
  for (const i of plan.samples) {
    const b = await core.get(i, { wait: false }) // null if it is not stored: run reports the mismatch
    samples[i] = b ? blocks.digest(b) : null
  }
  print({
    seconds: Number(t1 - t0) / 1e9,
    cpu_seconds: cpu1 - cpu0,
    length: core.length,
    contiguous_length: core.contiguousLength,
    samples
  })
  socket.destroy()
  await core.close()
}

async function follow(plan) {
  const core = new Hypercore(plan.dir, Buffer.from(plan.key, 'hex'))
  await core.ready()
  const socket = net.connect(plan.port, '127.0.0.1')
  replicateOn(socket, core, true)
  blocks.parseLive(await core.get(0), plan.size)
  print({ ready: true })

  const latencies = []
  const learned = [] // when the 'append' event revealed each block: tells a late event from a slow get()
  const appendLatencies = []
  let next = 1
  let busy = false
  let finish
  const finished = new Promise((resolve) => (finish = resolve))
  // 'append' carries no index: fetch everything up to the new length, in order.
  const pump = async () => {
    if (busy) return
    busy = true
    while (next < core.length && next < plan.total) {
      const b = await core.get(next)
      const at = now()
      const { index, sentNs } = blocks.parseLive(b, plan.size)
      if (index !== next) throw new Error(`block ${next} says it is ${index}`)
      latencies.push(Number(at - sentNs) / 1e3)
      if (learned[index] !== undefined) appendLatencies.push(Number(learned[index] - sentNs) / 1e3)
      next++
    }
    busy = false
    if (next >= plan.total) finish()
  }
  // A reader that stops getting blocks says where it stands (run shows this log).
  let lastNext = -1
  setInterval(() => {
    if (next === lastNext) process.stderr.write(`node_peer: follow stalled at block ${next}: length ${core.length}, contiguous ${core.contiguousLength}\n`)
    lastNext = next
  }, 5000).unref()
  let seen = core.length
  core.on('append', () => {
    const at = now()
    for (; seen < core.length; seen++) learned[seen] = at
    pump().catch(fail)
  })
  pump().catch(fail)
  await finished
  print({ latencies_us: latencies, append_event_us: appendLatencies })
  socket.destroy()
  await core.close()
}

function fail(err) {
  process.stderr.write(`node_peer: ${err && err.stack ? err.stack : err}\n`)
  process.exit(1)
}

const plan = JSON.parse(process.argv[2] || '{}')
if (plan.deadline_ms) {
  setTimeout(() => fail(new Error(`${plan.role}: still running after ${plan.deadline_ms} ms`)), plan.deadline_ms)
}
const roles = { fill, serve, download, follow }
if (!roles[plan.role]) fail(new Error(`usage: node node_peer.js '{"role": "fill"|"serve"|"download"|"follow", ...}'`))
else
  roles[plan.role](plan).then(
    () => process.exit(0),
    (err) => fail(err)
  )
