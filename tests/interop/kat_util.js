'use strict'
// Shared by the known-answer scripts of tests/interop (keys_kat.js,
// tree_replay.js, corestore_kat.js): JSON in on stdin, one JSON document out on
// stdout, a temporary directory that is always removed, exit code 1 on error.
// Nothing here touches the network.

const fs = require('fs')
const os = require('os')
const path = require('path')
const b4a = require('b4a')

function toHex (buf) {
  return buf === null || buf === undefined ? null : b4a.toString(buf, 'hex')
}

function fromHex (s) {
  return b4a.from(s, 'hex')
}

// A tree node as the C++ tests print it: [index, size, hash hex].
function nodeJson (node) {
  return node === null ? null : [node.index, node.size, toHex(node.hash)]
}

// Runs main(input, tmpDir) and prints its result. The temporary directory is
// removed whatever happens; an error exits with 1 even if a handle is left open.
function run (main) {
  const text = fs.readFileSync(0, 'utf8')
  const input = text.length ? JSON.parse(text) : null
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hc-kat-'))

  main(input, tmp).then(
    (out) => {
      fs.rmSync(tmp, { recursive: true, force: true })
      process.stdout.write(JSON.stringify(out) + '\n')
    },
    (err) => {
      fs.rmSync(tmp, { recursive: true, force: true })
      console.error(err)
      process.exit(1)
    }
  )
}

module.exports = { toHex, fromHex, nodeJson, run }
