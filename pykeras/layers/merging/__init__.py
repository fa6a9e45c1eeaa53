"""Merge layers."""
