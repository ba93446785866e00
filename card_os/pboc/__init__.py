"""The PBOC/UnionPay debit application of the social security card (card-spec §4).

Pure helpers shared by the card (`card_os.apps.pboc`) and the issuer host (`issuer`):
EMV data objects, data object lists, PAN generation, cryptograms and personalisation.
"""
