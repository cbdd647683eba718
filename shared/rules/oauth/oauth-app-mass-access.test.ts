import { describeRuleCases } from '../../../test/support/rule-cases';
import cases from './oauth-app-mass-access.cases';
import rule from './oauth-app-mass-access';

describeRuleCases(rule, cases);
