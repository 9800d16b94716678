-- The reseller's legal entity verified like a customer (issue 6, item 6): the customer record,
-- in the registering tenant, that its CIP verification runs on. NULL until one is submitted.
ALTER TABLE resellers ADD COLUMN legal_entity_customer_id TEXT;
