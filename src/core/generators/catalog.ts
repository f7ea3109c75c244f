/**
 * The five generators: default topic, the original's start message and console echo, and the factory.
 */
import {TOPICS, type GeneratorName} from '../names.js'
import {createAlertFactory} from './alerts.js'
import {createOrderFactory} from './orders.js'
import {createReviewFactory} from './reviews.js'
import {createScoreFactory} from './scores.js'
import type {EventFactory, FactoryOptions, GeneratedRecord} from './types.js'
import {createViewFactory} from './views.js'

export interface GeneratorSpec {
  name: GeneratorName
  /** The topic it writes to unless told otherwise. */
  topic: string
  /** The original's start message. */
  startMessage: string
  /** The original's console echo of one sent record (uncoloured; the command colours it purple). */
  echo(record: GeneratedRecord): string
}

const sending = (source: string): string => `Kafka ${source} Stream Generator : Sending Event : `

export const GENERATOR_SPECS: Readonly<Record<GeneratorName, GeneratorSpec>> = {
  orders: {
    name: 'orders',
    topic: TOPICS.ordersInput,
    startMessage: 'Starting Kafka Orders Generator..',
    echo: (r) => sending('Orders') + r.value,
  },
  alerts: {
    name: 'alerts',
    topic: TOPICS.alertsInput,
    startMessage: 'Starting Kafka Alerts Generator..',
    // The original printed "Kafka Orders Stream Generator" here, a copy-paste slip; sstream names the alerts.
    echo: (r) => sending('Alerts') + r.value,
  },
  scores: {
    name: 'scores',
    topic: TOPICS.leaderboardsInput,
    startMessage: 'Starting Kafka Gaming Generator..',
    echo: (r) => `${sending('Gaming')}${r.key} = ${r.value}`,
  },
  reviews: {
    name: 'reviews',
    topic: TOPICS.sentimentInput,
    startMessage: 'Starting Kafka Movie review Generator..',
    echo: (r) => `${sending('Reviews')}${r.key} = ${r.value}`,
  },
  views: {
    name: 'views',
    topic: TOPICS.viewsInput,
    startMessage: 'Starting Kafka Website Views Generator..',
    echo: (r) => sending('Views') + r.value,
  },
}

export interface CreateFactoryOptions extends FactoryOptions {
  /** The reviews to pick from (reviews only). */
  corpus?: readonly string[]
}

/** The event factory of a generator. */
export function createEventFactory(name: GeneratorName, options: CreateFactoryOptions = {}): EventFactory {
  switch (name) {
    case 'orders':
      return createOrderFactory(options)
    case 'alerts':
      return createAlertFactory(options)
    case 'scores':
      return createScoreFactory(options)
    case 'reviews':
      return createReviewFactory({...options, corpus: options.corpus ?? []})
    case 'views':
      return createViewFactory(options)
  }
}
