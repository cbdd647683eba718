import { describeRuleCases } from '../../../test/support/rule-cases';
import cases from './mail-unusual-client.cases';
import rule from './mail-unusual-client';

describeRuleCases(rule, cases);
