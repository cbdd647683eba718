import { describeRuleCases } from '../../../test/support/rule-cases';
import cases from './oauth-scope-grant.cases';
import rule from './oauth-scope-grant';

describeRuleCases(rule, cases);
