import { describeRuleCases } from '../../../test/support/rule-cases';
import cases from './oauth-app-admin-change.cases';
import rule from './oauth-app-admin-change';

describeRuleCases(rule, cases);
