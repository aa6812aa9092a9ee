"""Regional matcher: answers kiosk match requests and records EES crossings."""
