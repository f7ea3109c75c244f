import {Flags} from '@oclif/core'

import {GeneratorCommand} from '../../cli/generator-command.js'
import {generatorFlags} from '../../cli/generator-flags.js'
import type {RunGeneratorOptions} from '../../core/generators/index.js'

export type {GeneratorResult} from '../../cli/generator-command.js'

export default class GenReviews extends GeneratorCommand {
  static override summary = 'Produce movie reviews to streaming.sentiment.input'
  static override description =
    'Writes movie reviews for the predictions pipeline: key = epoch seconds of the event time (one more than the previous key when several reviews fall in one second, so keys stay unique), value = one review in plain text, picked from the corpus sstream ships (over 200 positive, negative and mixed reviews) or from your own file.'

  static override examples = [
    {description: 'Two reviews a second until Ctrl-C', command: '<%= config.bin %> <%= command.id %> --rate 2'},
    {description: 'The original pacing, each review echoed', command: '<%= config.bin %> <%= command.id %> --classic --echo'},
    {description: 'Reviews from your own file, one per line', command: '<%= config.bin %> <%= command.id %> --corpus my-reviews.txt --count 100'},
  ]

  static override flags = {
    ...generatorFlags,
    corpus: Flags.string({description: 'A file of reviews, one per line (default: the corpus sstream ships)'}),
  }

  protected readonly generator = 'reviews' as const

  protected override extraOptions(): Partial<RunGeneratorOptions> {
    return {corpusPath: (this.flags as {corpus?: string}).corpus}
  }
}
