'use strict'
// A Node hypercore peer over TCP on 127.0.0.1 for the truncate / fork tests
// (tests/daemon/replicate_fork_test.py). Every stdout line is one JSON
// object; commands come as stdin lines. Blocks are UTF-8 text.
//
// argv: dir, role
//   writer        creates a core in dir, listens on an ephemeral port, serves
//                 replication (responder); prints {port, key}. stdin:
//                 "append TEXT..." appends one block per word,
//                 "truncate N" truncates to N (the next fork);
//                 each prints {length, fork, treeHash}.
//   reader KEY PORT
//                 opens KEY in dir, connects (initiator), follows live
//                 (download everything); prints {truncate, fork} on each
//                 'truncate' event and {append, length, fork} on each
//                 'append'. stdin "blocks N [F]" waits until the core is N
//                 long and at fork F or later (0 if not given; a core still
//                 on an older fork would read its old blocks) and prints
//                 {fork, length, treeHash, blocks: [text]} (Node verified
//                 each block against its signed tree).
// Exits when stdin closes, or after 60 s.

const net = require('net')
const readline = require('readline')
const b4a = require('b4a')
const Hypercore = require('hypercore')

function print (o) { process.stdout.write(JSON.stringify(o) + '\n') }

setTimeout(() => { print({ error: 'timeout' }); process.exit(2) }, 60000).unref()

async function state (core) {
  return { length: core.length, fork: core.fork, treeHash: b4a.toString(await core.treeHash(), 'hex') }
}

async function writer (dir) {
  const core = new Hypercore(dir)
  await core.ready()
  const server = net.createServer(socket => {
    socket.setNoDelay(true)
    const s = core.replicate(false)
    socket.pipe(s).pipe(socket)
    s.on('error', () => {})
    socket.on('error', () => {})
  })
  server.listen(0, '127.0.0.1', () => {
    print({ port: server.address().port, key: b4a.toString(core.key, 'hex') })
  })
  for await (const line of readline.createInterface({ input: process.stdin })) {
    const [cmd, ...args] = line.split(' ')
    if (cmd === 'append') await core.append(args.map(a => b4a.from(a)))
    else if (cmd === 'truncate') await core.truncate(Number(args[0]))
    else continue
    print(await state(core))
  }
  process.exit(0)
}

async function reader (dir, key, port) {
  const core = new Hypercore(dir, b4a.from(key, 'hex'))
  await core.ready()
  const socket = net.connect(port, '127.0.0.1')
  socket.setNoDelay(true)
  const s = core.replicate(true)
  socket.pipe(s).pipe(socket)
  s.on('error', (err) => print({ streamError: err.message }))
  socket.on('error', () => {})
  core.download({ start: 0, end: -1 })
  core.on('truncate', (to, fork) => print({ truncate: to, fork }))
  core.on('append', () => print({ append: true, length: core.length, fork: core.fork }))
  for await (const line of readline.createInterface({ input: process.stdin })) {
    const [cmd, arg, forkArg] = line.split(' ')
    if (cmd !== 'blocks') continue
    const n = Number(arg)
    const fork = Number(forkArg || 0)
    while (core.length < n || core.fork < fork) await changed(core)
    const blocks = []
    for (let i = 0; i < n; i++) blocks.push(b4a.toString(await core.get(i, { timeout: 20000 })))
    print({ ...(await state(core)), blocks })
  }
  process.exit(0)
}

// Resolves at the core's next 'append' or 'truncate'.
function changed (core) {
  return new Promise(resolve => {
    const done = () => {
      core.off('append', done)
      core.off('truncate', done)
      resolve()
    }
    core.on('append', done)
    core.on('truncate', done)
  })
}

const [dir, role, ...rest] = process.argv.slice(2)
const main = role === 'writer' ? writer(dir) : reader(dir, rest[0], Number(rest[1]))
main.catch(err => { print({ error: err.message }); process.exit(1) })
