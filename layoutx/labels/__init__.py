"""Weak labels: which OCR words hold a train.csv value, and the datasets built from them."""
