'use strict'
// Known answers for keys: key pairs from seeds, the key, manifest and
// discovery key of real cores (default and compat), key ids, the namespaces
// of lib/caps.js and corestore, and the tree signables.
//
// stdin: { seeds: [hex32], message: hex, ids: [string], z32: [hex],
//          signables: [{ manifestHash, treeHash, length, fork }],
//          replicate: [{ initiator, key, handshakeHash }] }
// stdout: see the fields below; a value Node refuses is null.

const path = require('path')
const Hypercore = require('hypercore')
const crypto = require('hypercore-crypto')
const caps = require('hypercore/lib/caps.js')
const id = require('hypercore-id-encoding')
const z32 = require('z32')
const { toHex, fromHex, run } = require('./kat_util.js')

async function coreKeys (dir, keyPair, compat) {
  const core = new Hypercore(dir, { keyPair, compat })
  await core.ready()
  try {
    return {
      key: toHex(core.key),
      discoveryKey: toHex(core.discoveryKey),
      cryptoDiscoveryKey: toHex(crypto.discoveryKey(core.key)),
      staticKey: toHex(Hypercore.key(keyPair.publicKey, { compat })),
      staticDiscoveryKey: toHex(Hypercore.discoveryKey(core.key)),
      manifest: toHex(core.getManifest({ raw: true })),
      compat: core.core.compat,
      id: core.id,
      idEncode: id.encode(core.key),
      idDecoded: toHex(id.decode(core.id)),
      hexDecoded: toHex(id.decode(toHex(core.key)))
    }
  } finally {
    await core.close()
  }
}

function tryDecode (s) {
  try {
    return toHex(id.decode(s))
  } catch {
    return null
  }
}

async function main (input, tmp) {
  const message = fromHex(input.message)
  const cores = []
  for (let i = 0; i < input.seeds.length; i++) {
    const keyPair = crypto.keyPair(fromHex(input.seeds[i]))
    cores.push({
      seed: input.seeds[i],
      publicKey: toHex(keyPair.publicKey),
      secretKey: toHex(keyPair.secretKey),
      valid: crypto.validateKeyPair(keyPair),
      signature: toHex(crypto.sign(message, keyPair.secretKey)),
      default: await coreKeys(path.join(tmp, i + '-default'), keyPair, false),
      compat: await coreKeys(path.join(tmp, i + '-compat'), keyPair, true)
    })
  }

  return {
    namespaces: {
      hypercore: crypto.namespace('hypercore', 6).map(toHex),
      corestore: crypto.namespace('corestore', 1).map(toHex)
    },
    caps: {
      MANIFEST: toHex(caps.MANIFEST),
      DEFAULT_NAMESPACE: toHex(caps.DEFAULT_NAMESPACE),
      DEFAULT_ENCRYPTION: toHex(caps.DEFAULT_ENCRYPTION)
    },
    cores,
    decoded: input.ids.map(tryDecode),
    z32: input.z32.map((h) => {
      const s = z32.encode(fromHex(h))
      return { encoded: s, decoded: toHex(z32.decode(s)) }
    }),
    signables: input.signables.map((s) => ({
      tree: toHex(
        caps.treeSignable(fromHex(s.manifestHash), fromHex(s.treeHash), s.length, s.fork)
      ),
      compat: toHex(caps.treeSignableCompat(fromHex(s.treeHash), s.length, s.fork, false))
    })),
    replicate: input.replicate.map((r) =>
      toHex(caps.replicate(r.initiator, fromHex(r.key), fromHex(r.handshakeHash)))
    )
  }
}

run(main)
