"""Roles within a study and the permission checks every staff view goes through."""
