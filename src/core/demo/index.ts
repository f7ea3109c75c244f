export {runDemo, type DemoEvent, type DemoGeneratorEvent, type DemoOptions, type DemoPipelineSummary, type DemoResult, type DemoRunningInfo, type DemoStep, type DemoStepEvent} from './demo.js'
export {DEFAULT_DEMO_DURATION_MS, DEFAULT_DEMO_RATE, DEMO_PATTERNS, demoTargets, GENERATOR_OF, pipelinesOf, type DemoPattern} from './plan.js'
export {checkGivenSentiment, describeSetup, ensureStack, setupDemo, startDemoSentiment, type StackCheck} from './prepare.js'
