terraform {
  required_version = ">= 1.6.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.80"
    }
    google = {
      source  = "hashicorp/google"
      version = "~> 6.14"
    }
  }

  backend "s3" {
    bucket         = "acme-terraform-state"
    key            = "platform/network.tfstate"
    region         = "eu-west-1"
    dynamodb_table = "terraform-locks"
    encrypt        = true
  }
}

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = {
      Project     = "platform"
      Environment = var.environment
      ManagedBy   = "terraform"
    }
  }
}

provider "google" {
  project = var.gcp_project
  region  = "europe-west1"
}

variable "aws_region" {
  type    = string
  default = "eu-west-1"
}

variable "environment" {
  type = string
}

variable "gcp_project" {
  type = string
}

module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.16.0"

  name               = "platform-${var.environment}"
  cidr               = "10.20.0.0/16"
  azs                = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
  private_subnets    = ["10.20.1.0/24", "10.20.2.0/24", "10.20.3.0/24"]
  public_subnets     = ["10.20.101.0/24", "10.20.102.0/24", "10.20.103.0/24"]
  enable_nat_gateway = true
  single_nat_gateway = var.environment != "prod"
}

module "assets_bucket" {
  source = "./modules/bucket"

  name        = "acme-assets-${var.environment}"
  environment = var.environment
}

resource "google_storage_bucket" "backups" {
  name                        = "acme-backups-${var.environment}"
  location                    = "EU"
  uniform_bucket_level_access = true

  versioning {
    enabled = true
  }
}
