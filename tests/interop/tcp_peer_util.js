'use strict'
// Shared by the Node peers of the daemon's interop tests (node_writer.js,
// node_reader.js): one JSON object per stdout line, block digests, a hard
// deadline, and replication piped over a TCP socket of 127.0.0.1.

const sodium = require('sodium-universal')
const b4a = require('b4a')

function print (o) { process.stdout.write(JSON.stringify(o) + '\n') }

// BLAKE2b-256 (hex) of one block.
function blockDigest (block) {
  const out = b4a.alloc(32)
  sodium.crypto_generichash(out, block)
  return b4a.toString(out, 'hex')
}

// Ends the process after `ms` whatever it is doing, so that a test that
// forgets it cannot leave it behind.
function exitAfter (ms) {
  setTimeout(() => { print({ error: 'timeout' }); process.exit(2) }, ms).unref()
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

module.exports = { print, blockDigest, exitAfter, replicateOver }
