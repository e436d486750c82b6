'use strict'
// Shared by the Node peers of the daemon replication tests (sparse_reader.js,
// corestore_peer.js, key_modes_peer.js, node_writer.js, node_reader.js): one
// JSON object per stdout line, digests that the Python side recomputes, a
// hard deadline, and TCP on 127.0.0.1 only.

const net = require('net')
const readline = require('readline')
const crypto = require('crypto')
const sodium = require('sodium-universal')
const b4a = require('b4a')

function print (o) { process.stdout.write(JSON.stringify(o) + '\n') }

// Ends the process after `seconds` whatever it is doing, so a test that
// forgets it cannot leave it behind.
function deadline (seconds) {
  setTimeout(() => { print({ error: 'timeout' }); process.exit(2) }, seconds * 1000).unref()
}

// BLAKE2b-256 over u32le(length) ‖ bytes of every block, in order.
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

// BLAKE2b-256 (hex) of one block.
function blockDigest (block) {
  const out = b4a.alloc(32)
  sodium.crypto_generichash(out, block)
  return b4a.toString(out, 'hex')
}

// Pipes `socket` through core.replicate(isInitiator).
function replicateOver (core, socket, isInitiator) {
  socket.setNoDelay(true)
  const stream = core.replicate(isInitiator)
  socket.pipe(stream).pipe(socket)
  stream.on('error', () => {})
  socket.on('error', () => {})
  return stream
}

// `n` blocks of random bytes, 0 to `maxSize` bytes each.
function randomBlocks (n, maxSize) {
  const blocks = []
  for (let i = 0; i < n; i++) blocks.push(crypto.randomBytes(crypto.randomInt(maxSize + 1)))
  return blocks
}

async function appendAll (core, blocks) {
  for (let i = 0; i < blocks.length; i += 100) await core.append(blocks.slice(i, i + 100))
}

// Every block of `core` up to `length`, fetched (and verified by hypercore)
// from the peers if not held; all requested at once, so that many are in
// flight rather than one round trip per block.
function getAll (core, length, timeout) {
  const gets = []
  for (let i = 0; i < length; i++) gets.push(core.get(i, { timeout }))
  return Promise.all(gets)
}

// A TCP server on an ephemeral port of 127.0.0.1; onsocket(socket) must
// return the replication stream to pipe the socket through. Resolves to
// { server, port, connections } (connections counts accepted sockets).
function serve (onsocket) {
  const state = { server: null, port: 0, connections: 0 }
  return new Promise((resolve, reject) => {
    state.server = net.createServer((socket) => {
      state.connections++
      socket.setNoDelay(true)
      const stream = onsocket(socket)
      socket.pipe(stream).pipe(socket)
      stream.on('error', () => {})
      socket.on('error', () => {})
    })
    state.server.on('error', reject)
    state.server.listen(0, '127.0.0.1', () => {
      state.port = state.server.address().port
      resolve(state)
    })
  })
}

// Dials 127.0.0.1:port and pipes it through `stream` (the initiator's side).
function connect (port, stream) {
  const socket = net.connect(port, '127.0.0.1')
  socket.setNoDelay(true)
  socket.pipe(stream).pipe(socket)
  stream.on('error', (err) => print({ streamError: err.message }))
  socket.on('error', () => {})
  return socket
}

// Calls onLine(line) for each stdin line, in order (awaiting each), and
// exits when stdin closes.
async function stdinLines (onLine) {
  const lines = readline.createInterface({ input: process.stdin })
  for await (const line of lines) await onLine(line)
  process.exit(0)
}

function fail (err) {
  print({ error: err.stack || String(err) })
  process.exit(1)
}

module.exports = { print, deadline, digest, blockDigest, replicateOver, randomBlocks, appendAll, getAll, serve, connect, stdinLines, fail }
