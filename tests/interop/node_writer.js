'use strict'
// A Node hypercore writer serving replication on a TCP port of 127.0.0.1, for
// the daemon's interop tests (tests/daemon/replicate_node_*_test.py).
//
// argv: dir n
//   Creates a core in dir and appends n blocks of random bytes whose sizes run
//   from 0 bytes to exactly 1 MiB (sizeOf), then serves core.replicate() to
//   whoever connects. Prints {port, key, length, digests}: digests[i] is the
//   BLAKE2b-256 (hex) of block i as written.
// stdin "append K": appends K more blocks (sizes by the same rule), prints
//   {length, start, digests} for the new ones.
// stdin closing: closes the core and the server, exits 0. After 55 s: exits 2.

const net = require('net')
const crypto = require('crypto')
const readline = require('readline')
const b4a = require('b4a')
const Hypercore = require('hypercore')
const { print, blockDigest, deadline, replicateOver } = require('./daemon_peer_util.js')

const MiB = 1024 * 1024

// Mostly small blocks; every 20th 64 KiB, every 1000th exactly 1 MiB, every
// 20th empty, so 10,000 blocks make about 50 MB.
function sizeOf (i) {
  if (i % 1000 === 999) return MiB
  if (i % 20 === 10) return 64 * 1024
  if (i % 20 === 0) return 0
  return crypto.randomInt(1, 2048)
}

async function appendBlocks (core, k) {
  const digests = []
  let batch = []
  let bytes = 0
  for (let i = core.length; digests.length < k; i++) {
    const block = crypto.randomBytes(sizeOf(i))
    digests.push(blockDigest(block))
    batch.push(block)
    bytes += block.byteLength
    if (batch.length === 256 || bytes >= 4 * MiB || digests.length === k) {
      await core.append(batch)
      batch = []
      bytes = 0
    }
  }
  return digests
}

async function main (dir, n) {
  deadline(55)
  const core = new Hypercore(dir)
  await core.ready()
  const digests = await appendBlocks(core, n)
  const sockets = new Set()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    replicateOver(core, socket, false)
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  print({ port: server.address().port, key: b4a.toString(core.key, 'hex'), length: core.length, digests })

  for await (const line of readline.createInterface({ input: process.stdin })) {
    const [cmd, arg] = line.split(' ')
    if (cmd !== 'append') continue
    const start = core.length
    const more = await appendBlocks(core, Number(arg))
    print({ length: core.length, start, digests: more })
  }
  server.close()
  for (const socket of sockets) socket.destroy()
  await core.close()
  process.exit(0)
}

const [dir, n] = process.argv.slice(2)
main(dir, Number(n)).catch((err) => {
  print({ error: err.message })
  process.exit(1)
})
