/**
 * The value domains of the original generators (SPEC §3). Processors and tests can check records against
 * these; the generators draw from them uniformly.
 */

/** Products with their fixed prices, printed as Java doubles (`25.0`, `10.5`, `140.0`). */
export const ORDER_PRODUCTS = [
  {product: 'Keyboard', price: 25, priceText: '25.0'},
  {product: 'Mouse', price: 10.5, priceText: '10.5'},
  {product: 'Monitor', price: 140, priceText: '140.0'},
] as const

export const ORDER_QUANTITY = {min: 1, max: 4} as const

export const ALERT_LEVELS = ['CRITICAL', 'HIGH', 'ELEVATED'] as const
export const ALERT_CODES = ['100', '200', '300', '400'] as const

export const PLAYERS = ['Bob', 'Mike', 'Kathy', 'Sam'] as const
export const SCORE = {min: 1, max: 10} as const

export const VIEW_USERS = ['Bob', 'Mike', 'Kathy', 'Sam'] as const
export const VIEW_TOPICS = ['AI', 'BigData', 'CI_CD', 'Cloud'] as const
export const VIEW_MINUTES = {min: 1, max: 10} as const

/** The alert message for a level, with the original's trailing space. */
export function alertMessage(level: string): string {
  return `This is a ${level} alert `
}
