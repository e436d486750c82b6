'use strict'
// A Node Corestore replicating many cores over one TCP connection of
// 127.0.0.1 with hypercored, for tests/daemon/replicate_cores_test.py.
//
// argv: dir role ...
//   writer N BLOCKS
//       Writes N named cores ("core-0".."core-N-1", Corestore key pairs), each
//       BLOCKS random blocks of 0 to 2048 bytes, and serves
//       store.replicate(false) on an ephemeral port. Prints
//       {port, cores: [{key, length, digest}...]}. stdin "stats": prints
//       {connections} (TCP connections accepted so far).
//   reader PORT
//       Reads one stdin line, [{key, length}...]; opens every key with
//       store.get({key}) before dialing, so all channels open together, then
//       replicates over one store.replicate(true) stream and gets every
//       block below `length` of each core (hypercore verifies each). Prints
//       {cores: [{key, length, digest}...]}.
// digest: BLAKE2b-256 over u32le(size) ‖ bytes of each block, in order.
// stdin closing: exits 0. After 50 s: exits 2.

const b4a = require('b4a')
const Corestore = require('corestore')
const u = require('./daemon_peer_util.js')

async function writer (dir, n, blocksPerCore) {
  const store = new Corestore(dir)
  const cores = []
  for (let c = 0; c < n; c++) {
    const core = store.get({ name: 'core-' + c })
    await core.ready()
    const blocks = u.randomBlocks(blocksPerCore, 2048)
    await u.appendAll(core, blocks)
    cores.push({ key: b4a.toString(core.key, 'hex'), length: core.length, digest: u.digest(blocks) })
  }
  const server = await u.serve(() => store.replicate(false))
  u.print({ port: server.port, cores })
  await u.stdinLines((line) => {
    if (line === 'stats') u.print({ connections: server.connections })
  })
}

async function reader (dir, port) {
  const store = new Corestore(dir)
  let wanted = null
  await u.stdinLines(async (line) => {
    if (wanted) return
    wanted = JSON.parse(line)
    const cores = []
    for (const w of wanted) {
      const core = store.get({ key: b4a.from(w.key, 'hex') })
      await core.ready()
      cores.push(core)
    }
    u.connect(port, store.replicate(true))
    const out = await Promise.all(cores.map(async (core, c) => {
      const blocks = await u.getAll(core, wanted[c].length, 20000)
      return { key: wanted[c].key, length: core.length, digest: u.digest(blocks) }
    }))
    u.print({ cores: out })
  })
}

const [dir, role, ...rest] = process.argv.slice(2)
u.deadline(50)
const main = role === 'writer' ? writer(dir, Number(rest[0]), Number(rest[1])) : reader(dir, Number(rest[0]))
main.catch(u.fail)
