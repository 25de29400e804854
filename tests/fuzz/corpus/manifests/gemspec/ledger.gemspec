Gem::Specification.new do |spec|
  spec.name = "ledger"
  spec.add_dependency "rack", "~> 3.0"
  spec.add_runtime_dependency("json")
  spec.add_development_dependency 'rspec' # tests
end
