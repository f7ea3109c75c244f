/**
 * Writes oclif.manifest.json from the built commands (dist/commands), as `npm run build`'s last step: with
 * it, oclif loads only the command being run (and none for `--help`) instead of importing every command
 * module to list them. Run after `tsc`; a manifest older than dist/ shows old help texts.
 */
import {writeFileSync} from 'node:fs'

import {Plugin} from '@oclif/core'

const root = new URL('..', import.meta.url).pathname
const plugin = new Plugin({root, type: 'core', ignoreManifest: true, errorOnManifestCreate: true, isRoot: true})
await plugin.load()
const commands = Object.keys(plugin.manifest.commands).length
if (commands === 0) throw new Error('oclif found no commands in dist/commands: build first (tsc -p tsconfig.build.json).')
writeFileSync(new URL('oclif.manifest.json', `file://${root}`), `${JSON.stringify(plugin.manifest)}\n`)
