"""Support code for the emulator deploy test: moto server on loopback, the CloudFormation
providers moto lacks, and the objects a user has before deploying."""
