import { describe, expect, it } from 'vitest';
import { numberHolderOf } from '#shared/qbo/number-holder.ts';

// 6140 Details as published (docs/currency-and-numbering.md, *Numbering*).
const CLIO =
  'Duplicate Document Number Error : You must specify a different number. This number has already been used. DocNumber=1234 is assigned to TxnType=Credit Memo with TxnId=111';
const STACK_OVERFLOW =
  'Duplicate Document Number Error : You must specify a different number. This number has already been used. DocNumber=O0010714 is assigned to TxnType=Invoice with TxnId=45823';

describe('Function: numberHolderOf', () => {
  it("reads the form's type and Id as QBO spells them (Clio's credit memo)", () => {
    expect(numberHolderOf(CLIO)).toEqual({ txnType: 'Credit Memo', txnId: '111' });
  });

  it('reads an invoice holder', () => {
    expect(numberHolderOf(STACK_OVERFLOW)).toEqual({ txnType: 'Invoice', txnId: '45823' });
  });

  it('reads a type of more words and a Detail that goes on after the Id', () => {
    expect(
      numberHolderOf('DocNumber=7 is assigned to TxnType=Sales Receipt with TxnId=9. Try again.'),
    ).toEqual({ txnType: 'Sales Receipt', txnId: '9' });
  });

  it('older wording naming no type: the Id alone', () => {
    expect(numberHolderOf('Duplicate Document Number Error : TxnId=42')).toEqual({ txnId: '42' });
  });

  it('nothing named, or no Detail: undefined', () => {
    expect(numberHolderOf('Duplicate Document Number Error')).toBeUndefined();
    expect(numberHolderOf(undefined)).toBeUndefined();
  });
});
