'use strict'
// A Node hypercore reader that wants only a few blocks of a big core, for the
// daemon's sparse replication test (tests/daemon/replicate_sparse_test.py).
//
// argv: dir key port from to
//   Opens core `key` (hex) in dir (fresh: every block comes over the wire),
//   dials 127.0.0.1:port as initiator and gets blocks from..to (inclusive)
//   with core.get() alone, no download of the rest; hypercore verifies each
//   block's proof and the signed tree. Then prints
//   {length, blocks: [base64...], held: [[start, end)...], bytesRead,
//    bytesWritten}: held lists the ranges of blocks Node stores locally
//   (core.has), bytes* count the raw (encrypted) bytes of the connection.
// stdin "report": prints {held, bytesRead, bytesWritten} again (nothing more
//   should have arrived meanwhile). stdin closing: exits 0. After 50 s: exits 2.

const b4a = require('b4a')
const Hypercore = require('hypercore')
const { print, deadline, connect, stdinLines, fail } = require('./daemon_peer_util.js')

async function heldRanges (core) {
  const held = []
  for (let i = 0; i < core.length; i++) {
    if (!(await core.has(i))) continue
    const last = held[held.length - 1]
    if (last && last[1] === i) last[1] = i + 1
    else held.push([i, i + 1])
  }
  return held
}

async function main (dir, key, port, from, to) {
  deadline(50)
  const core = new Hypercore(dir, b4a.from(key, 'hex'))
  await core.ready()
  const stream = core.replicate(true)
  connect(port, stream)

  const blocks = []
  for (let i = from; i <= to; i++) {
    blocks.push(b4a.toString(await core.get(i, { timeout: 20000 }), 'base64'))
  }
  const noise = stream.noiseStream
  const report = async () => ({
    held: await heldRanges(core),
    bytesRead: noise.rawBytesRead,
    bytesWritten: noise.rawBytesWritten
  })
  print({ length: core.length, blocks, ...(await report()) })
  await stdinLines(async (line) => {
    if (line === 'report') print(await report())
  })
}

const [dir, key, port, from, to] = process.argv.slice(2)
main(dir, key, Number(port), Number(from), Number(to)).catch(fail)
