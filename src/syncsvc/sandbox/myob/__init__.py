"""The MYOB Business API emulator (AccountRight Live and the new Essentials)."""
