'use strict'
// A Node hypercore reader dialing a peer on a TCP port of 127.0.0.1, for the
// daemon's interop tests (tests/daemon/replicate_node_*_test.py).
//
// argv: dir key port n
//   Opens core `key` (hex) in dir (a fresh one: every block must come over
//   the wire), connects as initiator and gets blocks 0..n-1; Node verifies
//   each block, signature and proof itself. Prints {length, digests}:
//   digests[i] is the BLAKE2b-256 (hex) of block i as core.get returned it.
// Then, for each 'append' event: prints {append: length}, gets the new blocks
//   and prints {start, digests} for them.
// stdin closing: exits 0. After 55 s: exits 2.

const net = require('net')
const b4a = require('b4a')
const Hypercore = require('hypercore')
const { print, blockDigest, deadline, replicateOver } = require('./daemon_peer_util.js')

async function digestsOf (core, start, end) {
  // One ranged download keeps many requests in flight; get() then waits for
  // each block in order.
  const range = core.download({ start, end })
  const digests = []
  for (let i = start; i < end; i++) digests.push(blockDigest(await core.get(i, { timeout: 30000 })))
  await range.done()
  return digests
}

async function main (dir, key, port, n) {
  deadline(55)
  const core = new Hypercore(dir, b4a.from(key, 'hex'))
  await core.ready()
  replicateOver(core, net.connect(port, '127.0.0.1'), true)

  const digests = await digestsOf(core, 0, n)
  print({ length: core.length, digests })

  // Live appends: one get at a time, in the order the events came.
  let have = n
  let queue = Promise.resolve()
  core.on('append', () => {
    print({ append: core.length })
    queue = queue.then(async () => {
      const end = core.length
      if (end <= have) return
      const more = await digestsOf(core, have, end)
      print({ start: have, digests: more })
      have = end
    }).catch((err) => print({ error: err.message }))
  })
  process.stdin.on('end', () => process.exit(0))
  process.stdin.resume()
}

const [dir, key, port, n] = process.argv.slice(2)
main(dir, key, Number(port), Number(n)).catch((err) => {
  print({ error: err.message })
  process.exit(1)
})
