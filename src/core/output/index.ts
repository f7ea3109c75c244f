export {colorEnabled, isInteractive, resolveOutputMode, type OutputMode, type OutputModeInput} from './mode.js'
export {renderTable} from './table.js'
export {createTheme, type Theme} from './theme.js'
