import { describeRuleCases } from '../../../test/support/rule-cases';
import cases from './password-spray.cases';
import rule from './password-spray';

describeRuleCases(rule, cases);
