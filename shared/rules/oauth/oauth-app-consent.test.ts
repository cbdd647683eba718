import { describeRuleCases } from '../../../test/support/rule-cases';
import cases from './oauth-app-consent.cases';
import rule from './oauth-app-consent';

describeRuleCases(rule, cases);
