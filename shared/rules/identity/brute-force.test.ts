import { describeRuleCases } from '../../../test/support/rule-cases';
import cases from './brute-force.cases';
import rule from './brute-force';

describeRuleCases(rule, cases);
