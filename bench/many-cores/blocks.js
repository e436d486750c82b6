// Block j of core c<i> in bench/many-cores, the same on both sides: 64 bytes of
// ASCII text (the daemon gets it as a UTF-8 string, Node as a Buffer of it).
'use strict'

const BLOCK_BYTES = 64

function block(i, j) {
  const s = `c${i} block ${j} `
  return s + '.'.repeat(BLOCK_BYTES - s.length)
}

module.exports = { block, BLOCK_BYTES }
