//! The demo organisation: repositories of the stacks a company typically has, written
//! here so that an installed binary needs no checkout.

use fullcover_fake_github::RepoSpec;

/// The organisation the demo creates.
pub const ORG: &str = "acme-demo";

/// Every repository of the demo organisation, eligible ones first, then the archived
/// one and the fork.
pub fn repositories() -> Vec<RepoSpec> {
    vec![
        storefront_web(),
        billing_api(),
        ledger_service(),
        orders_service(),
        infra_aws(),
        platform_k8s(),
        acmectl(),
        mobile_gateway(),
        legacy_portal().archived(),
        openapi_generator_fork().fork(),
    ]
}

fn storefront_web() -> RepoSpec {
    RepoSpec::new("storefront-web")
        .file("README.md", "# storefront-web\n\nThe customer-facing shop: server-rendered pages and the cart API.\n\n```sh\nnpm ci\nnpm run dev\n```\n")
        .file(
            "package.json",
            r#"{
  "name": "@acme/storefront-web",
  "version": "3.14.0",
  "private": true,
  "type": "module",
  "scripts": {
    "build": "tsc -p tsconfig.json",
    "dev": "tsx watch src/server.ts",
    "start": "node dist/server.js",
    "test": "vitest run",
    "lint": "eslint ."
  },
  "dependencies": {
    "express": "^4.19.2",
    "express-session": "^1.18.0",
    "helmet": "^7.1.0",
    "pino": "^9.2.0",
    "zod": "^3.23.8"
  },
  "devDependencies": {
    "@types/express": "^4.17.21",
    "@types/node": "^20.14.9",
    "eslint": "^9.6.0",
    "tsx": "^4.16.2",
    "typescript": "^5.5.3",
    "vitest": "^1.6.0"
  }
}
"#,
        )
        .file(
            "package-lock.json",
            r#"{
  "name": "@acme/storefront-web",
  "version": "3.14.0",
  "lockfileVersion": 3,
  "requires": true,
  "packages": {
    "": {
      "name": "@acme/storefront-web",
      "version": "3.14.0",
      "dependencies": {
        "express": "^4.19.2",
        "express-session": "^1.18.0",
        "helmet": "^7.1.0",
        "pino": "^9.2.0",
        "zod": "^3.23.8"
      }
    },
    "node_modules/express": {
      "version": "4.19.2",
      "resolved": "https://registry.npmjs.org/express/-/express-4.19.2.tgz",
      "integrity": "sha512-5T6nhjsT+EOMzuck8JjBHARTHfMht0POzlA60WV2pMD3gyXw2LZnZ+ueGdNxG+0calOJcWKbpFcuzLZ91YWq9Q==",
      "license": "MIT"
    },
    "node_modules/helmet": {
      "version": "7.1.0",
      "resolved": "https://registry.npmjs.org/helmet/-/helmet-7.1.0.tgz",
      "integrity": "sha512-g+HZqgfbpXdCkme/Cd/mZkV0aV3BZZZSugecH03kl38m/Kmdx8jKjBikpDj2cr+Iynv4KpYEviojNdTJActJAg==",
      "license": "MIT"
    },
    "node_modules/zod": {
      "version": "3.23.8",
      "resolved": "https://registry.npmjs.org/zod/-/zod-3.23.8.tgz",
      "integrity": "sha512-XBx9AXhXktjUqnepgTiE5flcKIYWi/rme0Eaj+5Y0lftuGBq+jyRu/md4WnuxqgP1ubdpNCsYEYPxrzVHD8d6g==",
      "license": "MIT"
    }
  }
}
"#,
        )
        .file("tsconfig.json", "{\n  \"compilerOptions\": {\n    \"target\": \"ES2022\",\n    \"module\": \"NodeNext\",\n    \"moduleResolution\": \"NodeNext\",\n    \"outDir\": \"dist\",\n    \"strict\": true,\n    \"esModuleInterop\": true\n  },\n  \"include\": [\"src\"]\n}\n")
        .file(
            "src/server.ts",
            r#"import express from "express";
import helmet from "helmet";
import session from "express-session";
import pino from "pino";

import { cartRouter } from "./routes/cart.js";

const log = pino({ level: process.env.LOG_LEVEL ?? "info" });
const app = express();

app.use(helmet());
app.use(express.json({ limit: "100kb" }));
app.use(
  session({
    secret: process.env.SESSION_SECRET ?? "",
    resave: false,
    saveUninitialized: false,
    cookie: { secure: true, httpOnly: true, sameSite: "lax" },
  }),
);

app.get("/healthz", (_req, res) => res.send("ok"));
app.use("/api/cart", cartRouter);

const port = Number(process.env.PORT ?? 8080);
app.listen(port, () => log.info({ port }, "storefront listening"));
"#,
        )
        .file(
            "src/routes/cart.ts",
            r#"import { Router } from "express";
import { z } from "zod";

const Item = z.object({ sku: z.string().min(1), quantity: z.number().int().positive() });

export const cartRouter = Router();

cartRouter.post("/items", (req, res) => {
  const parsed = Item.safeParse(req.body);
  if (!parsed.success) {
    return res.status(400).json({ errors: parsed.error.issues });
  }
  const cart = (req.session as any).cart ?? [];
  cart.push(parsed.data);
  (req.session as any).cart = cart;
  return res.status(201).json({ items: cart.length });
});

cartRouter.get("/", (req, res) => {
  res.json({ items: (req.session as any).cart ?? [] });
});
"#,
        )
        .file(
            "Dockerfile",
            "FROM node:20-alpine AS build\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\nRUN npm run build\n\nFROM node:20-alpine\nWORKDIR /app\nENV NODE_ENV=production\nCOPY --from=build /app/dist ./dist\nCOPY --from=build /app/node_modules ./node_modules\nUSER node\nEXPOSE 8080\nCMD [\"node\", \"dist/server.js\"]\n",
        )
}

fn billing_api() -> RepoSpec {
    RepoSpec::new("billing-api")
        .file("README.md", "# billing-api\n\nInvoices and payment intents, a Django REST API.\n")
        .file(
            "requirements.txt",
            "Django==5.0.7\ndjangorestframework==3.15.2\npsycopg[binary]==3.2.1\ngunicorn==22.0.0\nstripe==10.3.0\ncelery==5.4.0\nredis==5.0.7\n",
        )
        .file(
            "manage.py",
            r#"#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "billing.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
"#,
        )
        .file("billing/__init__.py", "")
        .file(
            "billing/settings.py",
            r#"import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "").split(",")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "rest_framework",
    "invoices",
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("DB_NAME", "billing"),
        "HOST": os.environ.get("DB_HOST", "localhost"),
    }
}

ROOT_URLCONF = "billing.urls"
USE_TZ = True
"#,
        )
        .file(
            "billing/urls.py",
            "from django.urls import include, path\n\nurlpatterns = [\n    path(\"api/invoices/\", include(\"invoices.urls\")),\n]\n",
        )
        .file("invoices/__init__.py", "")
        .file(
            "invoices/models.py",
            r#"from django.db import models


class Invoice(models.Model):
    customer_id = models.CharField(max_length=64, db_index=True)
    amount_cents = models.PositiveIntegerField()
    currency = models.CharField(max_length=3, default="EUR")
    paid_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def is_paid(self) -> bool:
        return self.paid_at is not None
"#,
        )
        .file(
            "invoices/views.py",
            r#"from rest_framework import serializers, viewsets

from .models import Invoice


class InvoiceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Invoice
        fields = ["id", "customer_id", "amount_cents", "currency", "paid_at"]


class InvoiceViewSet(viewsets.ModelViewSet):
    queryset = Invoice.objects.order_by("-created_at")
    serializer_class = InvoiceSerializer
"#,
        )
        .file(
            "invoices/urls.py",
            "from rest_framework.routers import DefaultRouter\n\nfrom .views import InvoiceViewSet\n\nrouter = DefaultRouter()\nrouter.register(\"\", InvoiceViewSet)\nurlpatterns = router.urls\n",
        )
        .file(
            "Dockerfile",
            "FROM python:3.12-slim\nWORKDIR /srv\nCOPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\nCOPY . .\nUSER nobody\nCMD [\"gunicorn\", \"billing.wsgi\", \"--bind\", \"0.0.0.0:8000\"]\n",
        )
}

fn ledger_service() -> RepoSpec {
    RepoSpec::new("ledger-service")
        .file("README.md", "# ledger-service\n\nDouble-entry ledger behind payments, in Go.\n")
        .file(
            "go.mod",
            "module github.com/acme-demo/ledger-service\n\ngo 1.22\n\nrequire (\n\tgithub.com/go-chi/chi/v5 v5.0.12\n\tgithub.com/jackc/pgx/v5 v5.6.0\n\tgo.uber.org/zap v1.27.0\n)\n\nrequire (\n\tgithub.com/jackc/pgpassfile v1.0.0 // indirect\n\tgo.uber.org/multierr v1.11.0 // indirect\n)\n",
        )
        .file(
            "go.sum",
            "github.com/go-chi/chi/v5 v5.0.12 h1:9euLV5sTrTNTRUU9POmDUvfxyj6LAABLUcEWO+JJb4s=\ngithub.com/go-chi/chi/v5 v5.0.12/go.mod h1:DslCQbL2OYiznFReuXYUmQ2hGd1aDpCnlMNITLSKoi8=\ngithub.com/jackc/pgpassfile v1.0.0 h1:/6Hmqy13Ss2zCq62VdNG8tM1wchn8zjSGOBJ6icpsIM=\ngithub.com/jackc/pgx/v5 v5.6.0 h1:SWJzexBzPL5jb0GEsrPMLIsi/3jOo7RHlzTjcAeDrPY=\ngo.uber.org/multierr v1.11.0 h1:blXXJkSxSSfBVBlC76pxqeO+LN3aDfLQo+309xJstO0=\ngo.uber.org/zap v1.27.0 h1:aJMhYGrd5QSmlpLMr2MftRKl7t8J8PTZPA732ud/XR8=\n",
        )
        .file(
            "main.go",
            r#"package main

import (
	"context"
	"net/http"
	"os"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.uber.org/zap"

	"github.com/acme-demo/ledger-service/internal/ledger"
)

func main() {
	log, _ := zap.NewProduction()
	defer log.Sync()

	pool, err := pgxpool.New(context.Background(), os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal("cannot connect", zap.Error(err))
	}
	book := ledger.New(pool)

	r := chi.NewRouter()
	r.Get("/healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok")) })
	r.Post("/entries", book.Post)
	log.Info("listening", zap.String("addr", ":8080"))
	log.Fatal("server stopped", zap.Error(http.ListenAndServe(":8080", r)))
}
"#,
        )
        .file(
            "internal/ledger/ledger.go",
            r#"package ledger

import (
	"encoding/json"
	"net/http"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Entry moves an amount from one account to another.
type Entry struct {
	Debit  string `json:"debit"`
	Credit string `json:"credit"`
	Cents  int64  `json:"cents"`
}

type Book struct{ pool *pgxpool.Pool }

func New(pool *pgxpool.Pool) *Book { return &Book{pool: pool} }

func (b *Book) Post(w http.ResponseWriter, r *http.Request) {
	var e Entry
	if err := json.NewDecoder(r.Body).Decode(&e); err != nil || e.Cents <= 0 {
		http.Error(w, "bad entry", http.StatusBadRequest)
		return
	}
	_, err := b.pool.Exec(r.Context(),
		"INSERT INTO entries (debit, credit, cents) VALUES ($1, $2, $3)", e.Debit, e.Credit, e.Cents)
	if err != nil {
		http.Error(w, "cannot record", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusCreated)
}
"#,
        )
        .file(
            "Dockerfile",
            "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /ledger .\n\nFROM gcr.io/distroless/static-debian12\nCOPY --from=build /ledger /ledger\nUSER nonroot\nENTRYPOINT [\"/ledger\"]\n",
        )
}

fn orders_service() -> RepoSpec {
    RepoSpec::new("orders-service")
        .file("README.md", "# orders-service\n\nOrder intake and fulfilment, Spring Boot 3.\n\n    ./mvnw spring-boot:run\n")
        .file(
            "pom.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <parent>
    <groupId>org.springframework.boot</groupId>
    <artifactId>spring-boot-starter-parent</artifactId>
    <version>3.3.1</version>
  </parent>
  <groupId>com.acme</groupId>
  <artifactId>orders-service</artifactId>
  <version>2.7.0</version>
  <properties>
    <java.version>21</java.version>
  </properties>
  <dependencies>
    <dependency>
      <groupId>org.springframework.boot</groupId>
      <artifactId>spring-boot-starter-web</artifactId>
    </dependency>
    <dependency>
      <groupId>org.springframework.boot</groupId>
      <artifactId>spring-boot-starter-data-jpa</artifactId>
    </dependency>
    <dependency>
      <groupId>org.postgresql</groupId>
      <artifactId>postgresql</artifactId>
      <scope>runtime</scope>
    </dependency>
    <dependency>
      <groupId>org.springframework.boot</groupId>
      <artifactId>spring-boot-starter-test</artifactId>
      <scope>test</scope>
    </dependency>
  </dependencies>
</project>
"#,
        )
        .file(
            "src/main/java/com/acme/orders/OrdersApplication.java",
            "package com.acme.orders;\n\nimport org.springframework.boot.SpringApplication;\nimport org.springframework.boot.autoconfigure.SpringBootApplication;\n\n@SpringBootApplication\npublic class OrdersApplication {\n    public static void main(String[] args) {\n        SpringApplication.run(OrdersApplication.class, args);\n    }\n}\n",
        )
        .file(
            "src/main/java/com/acme/orders/OrderController.java",
            r#"package com.acme.orders;

import java.util.List;

import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.*;

@RestController
@RequestMapping("/api/orders")
public class OrderController {
    private final OrderRepository orders;

    public OrderController(OrderRepository orders) {
        this.orders = orders;
    }

    @GetMapping
    public List<Order> list(@RequestParam String customerId) {
        return orders.findByCustomerId(customerId);
    }

    @PostMapping
    public ResponseEntity<Order> create(@RequestBody Order order) {
        return ResponseEntity.status(201).body(orders.save(order));
    }
}
"#,
        )
        .file(
            "src/main/java/com/acme/orders/OrderRepository.java",
            "package com.acme.orders;\n\nimport java.util.List;\n\nimport org.springframework.data.jpa.repository.JpaRepository;\n\npublic interface OrderRepository extends JpaRepository<Order, Long> {\n    List<Order> findByCustomerId(String customerId);\n}\n",
        )
        .file(
            "src/main/java/com/acme/orders/Order.java",
            "package com.acme.orders;\n\nimport jakarta.persistence.*;\n\n@Entity\n@Table(name = \"orders\")\npublic class Order {\n    @Id\n    @GeneratedValue\n    public Long id;\n    public String customerId;\n    public long totalCents;\n}\n",
        )
        .file(
            "src/main/resources/application.yml",
            "spring:\n  datasource:\n    url: ${DATABASE_URL}\n  jpa:\n    open-in-view: false\nserver:\n  port: 8080\n",
        )
}

fn infra_aws() -> RepoSpec {
    RepoSpec::new("infra-aws")
        .file("README.md", "# infra-aws\n\nThe AWS accounts' shared infrastructure: network, state buckets, the EKS cluster.\n\n    terraform init && terraform plan\n")
        .file(
            "versions.tf",
            r#"terraform {
  required_version = ">= 1.6"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.56"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
  }
  backend "s3" {
    bucket = "acme-terraform-state"
    key    = "infra-aws/terraform.tfstate"
    region = "eu-west-1"
  }
}

provider "aws" {
  region = var.region
}
"#,
        )
        .file(
            "main.tf",
            r#"module "network" {
  source     = "./modules/network"
  cidr_block = "10.20.0.0/16"
  name       = "acme-prod"
}

module "eks" {
  source          = "terraform-aws-modules/eks/aws"
  version         = "~> 20.17"
  cluster_name    = "acme-prod"
  cluster_version = "1.30"
  vpc_id          = module.network.vpc_id
  subnet_ids      = module.network.private_subnet_ids
}

resource "random_id" "suffix" {
  byte_length = 4
}

resource "aws_s3_bucket" "artifacts" {
  bucket = "acme-artifacts-${random_id.suffix.hex}"
}

resource "aws_s3_bucket_public_access_block" "artifacts" {
  bucket                  = aws_s3_bucket.artifacts.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}
"#,
        )
        .file(
            "variables.tf",
            "variable \"region\" {\n  type    = string\n  default = \"eu-west-1\"\n}\n",
        )
        .file(
            "outputs.tf",
            "output \"cluster_endpoint\" {\n  value = module.eks.cluster_endpoint\n}\n\noutput \"artifacts_bucket\" {\n  value = aws_s3_bucket.artifacts.bucket\n}\n",
        )
        .file(
            "modules/network/main.tf",
            r#"variable "cidr_block" { type = string }
variable "name" { type = string }

resource "aws_vpc" "this" {
  cidr_block           = var.cidr_block
  enable_dns_hostnames = true
  tags                 = { Name = var.name }
}

resource "aws_subnet" "private" {
  count             = 3
  vpc_id            = aws_vpc.this.id
  cidr_block        = cidrsubnet(var.cidr_block, 4, count.index)
  availability_zone = data.aws_availability_zones.available.names[count.index]
}

data "aws_availability_zones" "available" {}

output "vpc_id" { value = aws_vpc.this.id }
output "private_subnet_ids" { value = aws_subnet.private[*].id }
"#,
        )
}

fn platform_k8s() -> RepoSpec {
    RepoSpec::new("platform-k8s")
        .file("README.md", "# platform-k8s\n\nCluster-wide manifests and the API gateway's Helm chart.\n")
        .file(
            "charts/gateway/Chart.yaml",
            "apiVersion: v2\nname: gateway\ndescription: The API gateway in front of every service\ntype: application\nversion: 1.8.2\nappVersion: \"3.7.1\"\ndependencies:\n  - name: redis\n    version: 19.6.1\n    repository: https://charts.bitnami.com/bitnami\n",
        )
        .file(
            "charts/gateway/values.yaml",
            "replicaCount: 3\nimage:\n  repository: ghcr.io/acme-demo/gateway\n  tag: \"3.7.1\"\nresources:\n  requests:\n    cpu: 250m\n    memory: 256Mi\n  limits:\n    memory: 512Mi\nredis:\n  architecture: standalone\n",
        )
        .file(
            "charts/gateway/templates/deployment.yaml",
            r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-gateway
  labels:
    app.kubernetes.io/name: gateway
spec:
  replicas: {{ .Values.replicaCount }}
  selector:
    matchLabels:
      app.kubernetes.io/name: gateway
  template:
    metadata:
      labels:
        app.kubernetes.io/name: gateway
    spec:
      securityContext:
        runAsNonRoot: true
      containers:
        - name: gateway
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
          ports:
            - containerPort: 8080
          resources: {{- toYaml .Values.resources | nindent 12 }}
"#,
        )
        .file(
            "charts/gateway/templates/service.yaml",
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}-gateway\nspec:\n  selector:\n    app.kubernetes.io/name: gateway\n  ports:\n    - port: 80\n      targetPort: 8080\n",
        )
        .file(
            "manifests/namespaces.yaml",
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: payments\n  labels:\n    pod-security.kubernetes.io/enforce: restricted\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: storefront\n  labels:\n    pod-security.kubernetes.io/enforce: baseline\n",
        )
        .file(
            "manifests/default-deny.yaml",
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny\n  namespace: payments\nspec:\n  podSelector: {}\n  policyTypes:\n    - Ingress\n    - Egress\n",
        )
}

fn acmectl() -> RepoSpec {
    RepoSpec::new("acmectl")
        .file("README.md", "# acmectl\n\nThe engineers' command line: log in, list services, tail deploys.\n\n    cargo install --path .\n")
        .file(
            "Cargo.toml",
            "[package]\nname = \"acmectl\"\nversion = \"0.9.3\"\nedition = \"2021\"\n\n[dependencies]\nanyhow = \"1.0\"\nclap = { version = \"4.5\", features = [\"derive\"] }\nreqwest = { version = \"0.12\", default-features = false, features = [\"json\", \"rustls-tls\"] }\nserde = { version = \"1.0\", features = [\"derive\"] }\ntokio = { version = \"1\", features = [\"rt-multi-thread\", \"macros\"] }\n",
        )
        .file(
            "Cargo.lock",
            "# This file is automatically @generated by Cargo.\n# It is not intended for manual editing.\nversion = 3\n\n[[package]]\nname = \"acmectl\"\nversion = \"0.9.3\"\ndependencies = [\n \"anyhow\",\n \"clap\",\n \"reqwest\",\n \"serde\",\n \"tokio\",\n]\n\n[[package]]\nname = \"anyhow\"\nversion = \"1.0.86\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"b3d1d046238990b9cf5bcde22a3fb3584ee5cf65fb2765f454ed428c7a0063da\"\n\n[[package]]\nname = \"clap\"\nversion = \"4.5.9\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"64acc1846d54c1fe936a78dc189c34e28d3f5afc348403f28ecf53660b9b8462\"\n\n[[package]]\nname = \"serde\"\nversion = \"1.0.204\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"bc76f558e0cbb2a839d37354c575f1dc3fdc6546b5be373ba43d95f231bf7c12\"\n",
        )
        .file(
            "src/main.rs",
            r#"use anyhow::Context;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "acmectl", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the services and their owners.
    Services,
    /// Follow a service's deploys.
    Deploys { service: String },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let api = std::env::var("ACME_API").unwrap_or_else(|_| "https://api.acme.example".into());
    let client = reqwest::Client::new();
    match cli.command {
        Command::Services => {
            let body = client.get(format!("{api}/services")).send().await?.text().await?;
            println!("{body}");
        }
        Command::Deploys { service } => {
            let url = format!("{api}/services/{service}/deploys");
            let body = client.get(&url).send().await.context("cannot reach the API")?;
            println!("{}", body.text().await?);
        }
    }
    Ok(())
}
"#,
        )
}

fn mobile_gateway() -> RepoSpec {
    RepoSpec::new("mobile-gateway")
        .file("README.md", "# mobile-gateway\n\nThe backend-for-frontend of the mobile apps (FastAPI). Already scanned by CodeQL, with Dependabot.\n")
        .file(
            "pyproject.toml",
            "[project]\nname = \"mobile-gateway\"\nversion = \"1.4.0\"\nrequires-python = \">=3.11\"\ndependencies = [\n  \"fastapi>=0.111\",\n  \"uvicorn[standard]>=0.30\",\n  \"httpx>=0.27\",\n  \"pydantic-settings>=2.3\",\n]\n\n[project.optional-dependencies]\ndev = [\"pytest>=8\", \"ruff>=0.5\"]\n",
        )
        .file(
            "app/main.py",
            r#"from fastapi import FastAPI, HTTPException
import httpx

from .settings import Settings

settings = Settings()
app = FastAPI(title="mobile-gateway")


@app.get("/healthz")
def healthz() -> str:
    return "ok"


@app.get("/v1/home")
async def home(user_id: str) -> dict:
    async with httpx.AsyncClient(base_url=settings.storefront_url, timeout=2.0) as client:
        response = await client.get("/api/cart", params={"user": user_id})
    if response.status_code != 200:
        raise HTTPException(status_code=502, detail="storefront unavailable")
    return {"cart": response.json(), "banners": []}
"#,
        )
        .file(
            "app/settings.py",
            "from pydantic_settings import BaseSettings\n\n\nclass Settings(BaseSettings):\n    storefront_url: str = \"http://storefront-web\"\n",
        )
        .file("app/__init__.py", "")
        .file(
            ".github/workflows/codeql.yml",
            r#"name: CodeQL
on:
  push:
    branches: [main]
  pull_request:
    branches: [main]
  schedule:
    - cron: "17 3 * * 1"
permissions:
  contents: read
  security-events: write
jobs:
  analyze:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: github/codeql-action/init@v3
        with:
          languages: python
      - uses: github/codeql-action/analyze@v3
"#,
        )
        .file(
            ".github/dependabot.yml",
            "version: 2\nupdates:\n  - package-ecosystem: pip\n    directory: /\n    schedule:\n      interval: weekly\n",
        )
}

fn legacy_portal() -> RepoSpec {
    RepoSpec::new("legacy-portal")
        .file("README.md", "# legacy-portal\n\nRetired in 2023: replaced by storefront-web. Kept for reference.\n")
        .file(
            "composer.json",
            "{\n  \"name\": \"acme/legacy-portal\",\n  \"require\": {\n    \"php\": \">=7.4\",\n    \"slim/slim\": \"^3.12\"\n  }\n}\n",
        )
        .file(
            "public/index.php",
            "<?php\nrequire __DIR__ . '/../vendor/autoload.php';\n\n$app = new \\Slim\\App();\n$app->get('/', function ($request, $response) {\n    return $response->write('Acme portal');\n});\n$app->run();\n",
        )
}

fn openapi_generator_fork() -> RepoSpec {
    RepoSpec::new("openapi-client-gen")
        .file("README.md", "# openapi-client-gen\n\nOur fork of an OpenAPI client generator, with a patch for nullable enums.\n")
        .file(
            "package.json",
            "{\n  \"name\": \"openapi-client-gen\",\n  \"version\": \"2.1.0-acme.1\",\n  \"bin\": { \"openapi-client-gen\": \"bin/cli.js\" },\n  \"dependencies\": { \"yaml\": \"^2.4.5\" }\n}\n",
        )
        .file(
            "bin/cli.js",
            "#!/usr/bin/env node\nconst fs = require('fs');\nconst YAML = require('yaml');\n\nconst spec = YAML.parse(fs.readFileSync(process.argv[2], 'utf8'));\nconsole.log(Object.keys(spec.paths || {}).length + ' paths');\n",
        )
}
