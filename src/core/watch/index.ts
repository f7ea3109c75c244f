export {watchAlerts, type WatchAlertsOptions, type WatchAlertsResult} from './alerts.js'
export {boardSource, defaultBoardKey, readBoard, watchBoard, type BoardKind, type WatchBoardOptions, type WatchBoardResult, type WatchCommonOptions} from './board.js'
export {latestWindows, quoteTable, readOrderTotals, readOrderWindows, watchOrders, type WatchOrdersOptions, type WatchOrdersResult} from './orders.js'
