"""Mon compte: every signed-in person changes their own password and PIN and sees their sign-in
factors."""
