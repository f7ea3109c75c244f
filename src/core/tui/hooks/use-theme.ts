import {createContext, useContext} from 'react'

import {createTheme, type Theme} from '../../output/index.js'

/** The colour theme of the live views. All colour goes through it, so NO_COLOR and --no-color work. */
export const ThemeContext = createContext<Theme>(createTheme(false))

export function useTheme(): Theme {
  return useContext(ThemeContext)
}
