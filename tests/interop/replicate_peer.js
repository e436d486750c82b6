'use strict'
// A Node hypercore peer over TCP on 127.0.0.1, driven line by line for the
// replication interop tests (replicate_tcp_test.cpp). Every stdout line is
// one JSON object; commands come as stdin lines.
//
// argv: dir, role
//   writer N      creates a core in dir, appends blocks 0..N-1, listens on an
//                 ephemeral port, serves replication (responder) to whoever
//                 connects; prints {port, key, length}. stdin "append K"
//                 appends K more and prints {length}. stdin "push K" does
//                 the same, then pushes each new block to every peer that
//                 allows pushes (replicator.push, as an application may).
//   reader KEY PORT N [push]
//                 opens KEY in dir, connects (initiator), gets blocks 0..N-1
//                 (Node verifies each against the signed tree) and prints
//                 {length, digest}; then prints {appended, length, digest}
//                 for each 'append' event that brings new blocks. With
//                 "push", the core allows pushes (allowPush).
// Block i is block(i) below, the same formula the C++ test uses; digest =
// BLAKE2b-256 over u32le(len) ‖ bytes of every block in order.
// Exits when stdin closes, or after 60 s.

const net = require('net')
const readline = require('readline')
const sodium = require('sodium-universal')
const b4a = require('b4a')
const Hypercore = require('hypercore')

function block (i) {
  // Sizes from 0 bytes up to about 70 KB; content depends on the index.
  const size = i % 7 === 0 ? 0 : (i * 7919) % (i % 5 === 0 ? 70000 : 300)
  const b = b4a.alloc(size)
  for (let k = 0; k < size; k++) b[k] = (k * 13 + i) & 255
  return b
}

function digest (blocks) {
  const parts = []
  for (const b of blocks) {
    const len = b4a.alloc(4)
    len.writeUInt32LE(b.byteLength)
    parts.push(len, b)
  }
  const out = b4a.alloc(32)
  sodium.crypto_generichash(out, b4a.concat(parts))
  return b4a.toString(out, 'hex')
}

function print (o) { process.stdout.write(JSON.stringify(o) + '\n') }

setTimeout(() => { print({ error: 'timeout' }); process.exit(2) }, 60000).unref()

async function writer (dir, n) {
  const core = new Hypercore(dir)
  await core.ready()
  const batch = []
  for (let i = 0; i < n; i++) batch.push(block(i))
  for (let i = 0; i < batch.length; i += 100) await core.append(batch.slice(i, i + 100))
  const server = net.createServer(socket => {
    socket.setNoDelay(true)
    const s = core.replicate(false)
    socket.pipe(s).pipe(socket)
    s.on('error', () => {})
    socket.on('error', () => {})
  })
  server.listen(0, '127.0.0.1', () => {
    print({ port: server.address().port, key: b4a.toString(core.key, 'hex'), length: core.length })
  })
  const lines = readline.createInterface({ input: process.stdin })
  for await (const line of lines) {
    const [cmd, arg] = line.split(' ')
    if (cmd === 'append' || cmd === 'push') {
      const k = Number(arg)
      const more = []
      for (let i = 0; i < k; i++) more.push(block(core.length + i))
      await core.append(more)
      if (cmd === 'push') {
        for (let i = core.length - k; i < core.length; i++) await core.core.replicator.push(i)
      }
      print({ length: core.length })
    }
  }
  process.exit(0)
}

async function reader (dir, key, port, n, allowPush) {
  const core = new Hypercore(dir, b4a.from(key, 'hex'), { allowPush })
  await core.ready()
  const socket = net.connect(port, '127.0.0.1')
  socket.setNoDelay(true)
  const s = core.replicate(true)
  socket.pipe(s).pipe(socket)
  s.on('error', (err) => print({ streamError: err.message }))
  socket.on('error', () => {})
  const blocks = []
  for (let i = 0; i < n; i++) blocks.push(await core.get(i, { timeout: 20000 }))
  print({ length: core.length, digest: digest(blocks) })
  core.on('append', async () => {
    const got = []
    for (let i = 0; i < core.length; i++) got.push(await core.get(i, { timeout: 20000 }))
    print({ appended: true, length: core.length, digest: digest(got) })
  })
  process.stdin.on('end', () => process.exit(0))
  process.stdin.resume()
}

const [dir, role, ...rest] = process.argv.slice(2)
const main = role === 'writer' ? writer(dir, Number(rest[0])) : reader(dir, rest[0], Number(rest[1]), Number(rest[2]), rest[3] === 'push')
main.catch(err => { print({ error: err.message }); process.exit(1) })
