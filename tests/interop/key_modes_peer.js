'use strict'
// Node hypercore peers for the key kinds a core can have, replicating with
// hypercored over one TCP connection of 127.0.0.1, for
// tests/daemon/replicate_keys_test.py (docs/protocol/hypercore.md §4.3).
//
// argv: dir role ...
//   writer BLOCKS
//       Writes three cores of BLOCKS random blocks (0 to 4096 bytes) each:
//       "named" (Corestore store.get({name}): manifest key), "default"
//       (new Hypercore(dir): single-signer manifest key) and "compat" (new
//       Hypercore(dir, {compat: true}): key = public key, as Hypercore 10).
//       Serves all three on each connection of an ephemeral port (one
//       Protomux stream: store.replicate(false), the others attached to it).
//       Prints {port, cores: [core...]}. stdin "append K": appends K random
//       blocks to each core and prints {cores: [core...]} again.
//   reader PORT
//       Each stdin line is [{key, length}...]: the first opens every key
//       with new Hypercore(dir/i, key) and dials, all on one stream; each
//       line gets every block below `length` of each (hypercore verifies
//       each) and prints {cores: [core...]}.
// core: {key, length, digest, keyIsPublicKey, keyIsManifestHash} where the
// last two say how the key relates to the core's (first) signer as this Node
// side sees it; digest: BLAKE2b-256 over u32le(size) ‖ bytes of each block.
// stdin closing: exits 0. After 50 s: exits 2.

const path = require('path')
const b4a = require('b4a')
const Hypercore = require('hypercore')
const Corestore = require('corestore')
const u = require('./daemon_peer_util.js')

function describe (core, blocks) {
  const signer = core.manifest.signers[0].publicKey
  return {
    key: b4a.toString(core.key, 'hex'),
    length: core.length,
    digest: u.digest(blocks),
    keyIsPublicKey: b4a.equals(core.key, signer),
    keyIsManifestHash: b4a.equals(core.key, Hypercore.key(core.manifest))
  }
}

async function writer (dir, n) {
  const store = new Corestore(path.join(dir, 'store'))
  const named = store.get({ name: 'named' })
  const byDefault = new Hypercore(path.join(dir, 'default'))
  const compat = new Hypercore(path.join(dir, 'compat'), { compat: true })
  const cores = [named, byDefault, compat]
  const blocks = cores.map(() => [])
  const append = async (k) => {
    for (let c = 0; c < cores.length; c++) {
      const more = u.randomBlocks(k, 4096)
      await u.appendAll(cores[c], more)
      blocks[c].push(...more)
    }
    return cores.map((core, c) => describe(core, blocks[c]))
  }
  for (const core of cores) await core.ready()
  const described = await append(n)
  const server = await u.serve(() => {
    const stream = store.replicate(false)
    byDefault.replicate(stream)
    compat.replicate(stream)
    return stream
  })
  u.print({ port: server.port, cores: described })
  await u.stdinLines(async (line) => {
    const [cmd, k] = line.split(' ')
    if (cmd === 'append') u.print({ cores: await append(Number(k)) })
  })
}

async function reader (dir, port) {
  let cores = null
  await u.stdinLines(async (line) => {
    const wanted = JSON.parse(line)
    if (!cores) {
      cores = wanted.map((w, i) => new Hypercore(path.join(dir, String(i)), b4a.from(w.key, 'hex')))
      for (const core of cores) await core.ready()
      const stream = cores[0].replicate(true)
      for (const core of cores.slice(1)) core.replicate(stream)
      u.connect(port, stream)
    }
    const out = await Promise.all(cores.map(async (core, c) =>
      describe(core, await u.getAll(core, wanted[c].length, 20000))))
    u.print({ cores: out })
  })
}

const [dir, role, ...rest] = process.argv.slice(2)
u.deadline(50)
const main = role === 'writer' ? writer(dir, Number(rest[0])) : reader(dir, Number(rest[0]))
main.catch(u.fail)
