export {brokerPaths, clusterId, ensureBrokerJars, kafkaVersion, startBroker, stopBroker, type BrokerStartResult, type Progress} from './kafka-broker.js'
export {probeTcp, waitForPort} from './net.js'
export {stackDown, stackStatus, stackUp, type ServiceName, type ServiceStatus, type StackDownResult, type StackStatusResult, type StackUpResult} from './stack.js'
