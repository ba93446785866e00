"""HSM service: hosts the SSSE HSM arithmetic (card_os.ssse.hsm) for readers without a PSAM."""
