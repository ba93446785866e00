"""Bureau (人社): people, card applications, the card status machine, HR acts on the card."""
