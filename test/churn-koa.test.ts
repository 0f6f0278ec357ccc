import { koaApp } from './helpers/apps.js'
import { describeChurn } from './helpers/churn.js'

describeChurn(koaApp)
