import { honoApp } from './helpers/apps.js'
import { describeChurn } from './helpers/churn.js'

describeChurn(honoApp)
