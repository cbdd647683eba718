import { describeRuleCases } from '../../../test/support/rule-cases';
import cases from './cloud-logging-disabled.cases';
import rule from './cloud-logging-disabled';

describeRuleCases(rule, cases);
