'use strict'
// Known answers for Corestore's named cores: key pair, core key, discovery key
// and manifest of store.get({ name }) and store.namespace(a).namespace(b)...get({ name }),
// and the signature after appending one block.
//
// stdin: { stores: [{ primaryKey: hex32, block: hex,
//                     gets: [{ namespaces: [string], name: string }] }] }
// stdout: { stores: [{ gets: [{ ns, name, publicKey, secretKey, key, discoveryKey,
//                               manifest, signature } or { ns, name, error }] }] }
// `name` echoes the UTF-8 bytes Node used (hex); `ns` is the session's namespace.

const path = require('path')
const b4a = require('b4a')
const Corestore = require('corestore')
const { toHex, fromHex, run } = require('./kat_util.js')

async function named (store, g, block) {
  let session = store
  for (const ns of g.namespaces) session = session.namespace(ns)
  const out = { ns: toHex(session.ns), name: toHex(b4a.from(g.name)) }
  let core = null
  try {
    core = session.get({ name: g.name })
    await core.ready()
    await core.append(block)
    return {
      ...out,
      publicKey: toHex(core.keyPair.publicKey),
      secretKey: toHex(core.keyPair.secretKey),
      key: toHex(core.key),
      discoveryKey: toHex(core.discoveryKey),
      manifest: toHex(core.getManifest({ raw: true })),
      signature: toHex(core.core.state.signature)
    }
  } catch (err) {
    return { ...out, error: err.message }
  } finally {
    if (core !== null) await core.close()
    if (session !== store) await session.close()
  }
}

async function main (input, tmp) {
  const stores = []
  for (let i = 0; i < input.stores.length; i++) {
    const s = input.stores[i]
    const store = new Corestore(path.join(tmp, String(i)), {
      primaryKey: fromHex(s.primaryKey),
      unsafe: true
    })
    await store.ready()
    const gets = []
    try {
      for (const g of s.gets) gets.push(await named(store, g, fromHex(s.block)))
    } finally {
      await store.close()
    }
    stores.push({ gets })
  }
  return { stores }
}

run(main)
